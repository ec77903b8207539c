using System.Globalization;

namespace DynamicAwsCreds.Engine.Config.Templates;

/// <summary>
/// Builds the syntax tree of a template and checks it completely: every function and field must exist, take the
/// number and types of arguments given, and accept any literal arguments, so a template that parses only fails to
/// render on values that are not known until then.
/// </summary>
internal sealed class Parser
{
    // Deep enough for any real template; shallow enough that hostile input cannot exhaust the stack.
    private const int MaxDepth = 100;

    private readonly IReadOnlyList<Token> _tokens;
    private int _next;
    private int _depth;

    private Parser(IReadOnlyList<Token> tokens) => _tokens = tokens;

    public static IReadOnlyList<Node> Parse(string template)
    {
        var parser = new Parser(Lexer.Tokenize(template));
        var (nodes, terminator) = parser.ParseList(openIf: null);
        if (terminator is { } t)
        {
            throw new TemplateException($"unexpected {{{{{t.Text}}}}} without a matching {{{{if}}}}", t.Position);
        }

        return nodes;
    }

    private Token Peek => _tokens[_next];

    private Token Take() => _tokens[_next++];

    private Token Expect(TokenKind kind, string context)
    {
        var token = Take();
        if (token.Kind != kind)
        {
            var wanted = kind switch
            {
                TokenKind.RightDelim => "\"}}\"",
                TokenKind.RightParen => "\")\"",
                _ => kind.ToString(),
            };
            throw new TemplateException($"expected {wanted} {context} but found {token.Describe()}", token.Position);
        }

        return token;
    }

    /// <summary>Parses nodes until the end of the template or, inside an if, its <c>{{else}}</c> or <c>{{end}}</c>.</summary>
    /// <returns>The nodes and the <c>else</c>/<c>end</c> keyword token that stopped them, if any.</returns>
    private (List<Node> Nodes, Token? Terminator) ParseList(Token? openIf)
    {
        var nodes = new List<Node>();
        while (true)
        {
            var token = Take();
            switch (token.Kind)
            {
                case TokenKind.Eof when openIf is { } open:
                    throw new TemplateException("{{if}} is never closed: missing {{end}}", open.Position);
                case TokenKind.Eof:
                    return (nodes, null);
                case TokenKind.Text:
                    nodes.Add(new TextNode(token.Text, token.Position));
                    continue;
            }

            var first = Peek;
            if (first.Kind == TokenKind.Keyword)
            {
                Take();
                switch (first.Text)
                {
                    case "if":
                        nodes.Add(ParseIf(first));
                        continue;
                    case "else" or "end":
                        return (nodes, first);
                    default:
                        throw new TemplateException(
                            $"\"{first.Text}\" is not supported in username templates (only if/else/end actions are)",
                            first.Position);
                }
            }

            var pipeline = ParsePipeline("action");
            Expect(TokenKind.RightDelim, "to close the action");
            nodes.Add(new ActionNode(pipeline, token.Position));
        }
    }

    private IfNode ParseIf(Token ifToken)
    {
        Enter(ifToken.Position);
        var condition = ParsePipeline("{{if}}");
        Expect(TokenKind.RightDelim, "after the {{if}} condition");
        var (then, terminator) = ParseList(ifToken);

        List<Node> otherwise = [];
        if (terminator!.Value.Text == "else")
        {
            if (Peek is { Kind: TokenKind.Keyword, Text: "if" })
            {
                // "{{else if c}}" opens an if nested in the else branch that shares the outer {{end}}.
                otherwise.Add(ParseIf(Take()));
            }
            else
            {
                Expect(TokenKind.RightDelim, "after {{else}}");
                (otherwise, terminator) = ParseList(ifToken);
                if (terminator!.Value.Text == "else")
                {
                    throw new TemplateException("{{if}} already has an {{else}}; expected {{end}}", terminator.Value.Position);
                }

                Expect(TokenKind.RightDelim, "after {{end}}");
            }
        }
        else
        {
            Expect(TokenKind.RightDelim, "after {{end}}");
        }

        _depth--;
        return new IfNode(condition, then, otherwise, ifToken.Position);
    }

    private void Enter(Position position)
    {
        if (++_depth > MaxDepth)
        {
            throw new TemplateException($"template is nested more than {MaxDepth} levels deep", position);
        }
    }

    /// <summary>Parses <c>command | command ...</c> up to the closing <c>}}</c> or <c>)</c>, which it leaves.</summary>
    private Pipeline ParsePipeline(string context)
    {
        var start = Peek.Position;
        if (Peek.Kind is TokenKind.Variable)
        {
            throw new TemplateException($"variables such as {Peek.Text} are not supported in username templates", Peek.Position);
        }

        if (Peek.Kind is TokenKind.RightDelim or TokenKind.RightParen or TokenKind.Eof)
        {
            throw new TemplateException($"missing value in {context}", Peek.Position);
        }

        var stages = new List<Expr> { ParseCommand(piped: null, stage: 1) };
        while (Peek.Kind == TokenKind.Pipe)
        {
            Take();
            stages.Add(ParseCommand(piped: stages[^1], stage: stages.Count + 1));
        }

        return new Pipeline(stages, start);
    }

    /// <param name="piped">The previous stage, whose value becomes this command's last argument.</param>
    private Expr ParseCommand(Expr? piped, int stage)
    {
        var head = Peek;
        if (head.Kind == TokenKind.Identifier)
        {
            Take();
            var function = LookUp(head);
            var args = new List<Expr>();
            while (!AtCommandEnd())
            {
                RequireSpace();
                args.Add(ParseOperand());
            }

            return MakeCall(function, args, piped, head.Position);
        }

        if (piped is not null)
        {
            throw new TemplateException(
                $"{head.Describe()} cannot take a piped value in pipeline stage {stage}; only a function can follow \"|\"",
                head.Position);
        }

        var operand = ParseOperand();
        if (!AtCommandEnd())
        {
            RequireSpace();
            throw new TemplateException(
                $"{Peek.Describe()} cannot be an argument: {head.Describe()} is not a function", Peek.Position);
        }

        return operand;
    }

    private bool AtCommandEnd() => Peek.Kind is TokenKind.RightDelim or TokenKind.RightParen or TokenKind.Pipe or TokenKind.Eof;

    // Go requires white space between operands: "printf(x)" and "(a)(b)" are errors, not calls.
    private void RequireSpace()
    {
        if (!Peek.SpaceBefore)
        {
            throw new TemplateException($"missing space before {Peek.Describe()}", Peek.Position);
        }
    }

    private Expr ParseOperand()
    {
        var token = Take();
        switch (token.Kind)
        {
            case TokenKind.String:
                return new StringLiteral(token.Text, token.Position);
            case TokenKind.Number:
                return new IntLiteral(ParseNumber(token), token.Position);
            case TokenKind.Bool:
                return new BoolLiteral(token.Text == "true", token.Position);
            case TokenKind.Field:
                var name = token.Text[1..];
                if (!Field.All.TryGetValue(name, out var field))
                {
                    throw new TemplateException(
                        $"unknown field {token.Text}; the fields are {string.Join(", ", Field.All.Keys.Select(k => "." + k))}",
                        token.Position);
                }

                return new FieldRef(field, token.Position);
            case TokenKind.Identifier:
                // Go calls a function named as an argument with no arguments: "printf "%s" unix_time".
                return MakeCall(LookUp(token), [], piped: null, token.Position);
            case TokenKind.LeftParen:
                Enter(token.Position);
                var inner = ParsePipeline("parentheses");
                Expect(TokenKind.RightParen, "to close the \"(\" at " + Where(token.Position));
                _depth--;
                return inner;
            case TokenKind.Dot:
                throw new TemplateException("\".\" on its own is not supported; name a field such as .DisplayName", token.Position);
            case TokenKind.Variable:
                throw new TemplateException($"variables such as {token.Text} are not supported in username templates", token.Position);
            case TokenKind.Eof:
                throw new TemplateException("template ends inside an action", token.Position);
            default:
                throw new TemplateException($"unexpected {token.Describe()}", token.Position);
        }
    }

    private static string Where(Position p) => $"line {p.Line} column {p.Column}";

    private static Function LookUp(Token name) =>
        Functions.All.TryGetValue(name.Text, out var function)
            ? function
            : throw new TemplateException($"function \"{name.Text}\" is not defined", name.Position);

    private static long ParseNumber(Token token)
    {
        var text = token.Text.Replace("_", "", StringComparison.Ordinal);
        var negative = text.StartsWith('-');
        var digits = text.TrimStart('+', '-');
        var (style, body) = digits.Length > 2 && digits[0] == '0' && digits[1] is 'x' or 'X'
            ? (NumberStyles.AllowHexSpecifier, digits[2..])
            : (NumberStyles.None, digits);

        if (!long.TryParse(body, style, CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            var why = digits.Contains('.', StringComparison.Ordinal) || digits.Contains('e', StringComparison.OrdinalIgnoreCase)
                ? "only whole numbers are supported"
                : "not a number";
            throw new TemplateException($"bad number {token.Text}: {why}", token.Position);
        }

        return negative ? -value : value;
    }

    private static Call MakeCall(Function function, List<Expr> args, Expr? piped, Position position)
    {
        var all = piped is null ? args : [.. args, piped];
        var fixedCount = function.Parameters.Count;
        if (all.Count < fixedCount || (function.Variadic is null && all.Count > fixedCount))
        {
            var wanted = function.Variadic is null ? $"{fixedCount}" : $"at least {fixedCount}";
            var pipedNote = piped is null ? "" : ", counting the piped value";
            throw new TemplateException(
                $"wrong number of arguments for {function.Name}: want {wanted}, got {all.Count}{pipedNote} (usage: {function.Usage})",
                position);
        }

        for (var i = 0; i < all.Count; i++)
        {
            var wanted = i < fixedCount ? function.Parameters[i] : function.Variadic!.Value;
            var got = all[i].Type;
            if (wanted != ValueType.Any && got != ValueType.Any && wanted != got)
            {
                var which = piped is not null && i == all.Count - 1 ? "the piped value" : $"argument {i + 1}";
                throw new TemplateException(
                    $"{function.Name}: {which} must be {Values.Describe(wanted)}, not {Values.Describe(got)} (usage: {function.Usage})",
                    all[i].Position);
            }
        }

        var known = all.Select(a => new ArgInfo(a.Type, Constant(a))).ToList();
        if (function.Validate?.Invoke(known) is { } error)
        {
            throw new TemplateException(error, position);
        }

        return new Call(function, args, piped is not null, function.ResultFor(all.Select(a => a.Type).ToList()), position);
    }

    private static object? Constant(Expr e) => e switch
    {
        StringLiteral s => s.Value,
        IntLiteral n => n.Value,
        BoolLiteral b => b.Value,
        _ => null,
    };
}
