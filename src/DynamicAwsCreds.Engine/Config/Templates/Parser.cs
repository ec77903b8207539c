namespace DynamicAwsCreds.Engine.Config.Templates;

/// <summary>
/// Builds the syntax tree of a template and checks it as far as it can be known before rendering: every function,
/// field and variable must exist, functions must get the number and types of arguments they take and accept any
/// literal arguments, and fields must be read from the data. What depends on values only known while rendering
/// is checked then.
/// </summary>
internal sealed class Parser
{
    // Deep enough for any real template; shallow enough that hostile input cannot exhaust the stack.
    private const int MaxDepth = 100;

    private readonly IReadOnlyList<Token> _tokens;
    private readonly ParseScope _scope = new();
    private int _next;
    private int _depth;
    private int _loops;

    private Parser(IReadOnlyList<Token> tokens) => _tokens = tokens;

    public static IReadOnlyList<Node> Parse(string template)
    {
        var parser = new Parser(Lexer.Tokenize(template));
        var (nodes, terminator) = parser.ParseList(open: null);
        if (terminator is { } t)
        {
            throw new TemplateException($"unexpected {{{{{t.Text}}}}} without a matching {{{{if}}}}, {{{{with}}}} or {{{{range}}}}", t.Position);
        }

        return nodes;
    }

    private Token Peek => _tokens[_next];

    private Token PeekAfter => _tokens[Math.Min(_next + 1, _tokens.Count - 1)];

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

    /// <summary>Parses nodes until the end of the template or, inside an if, with or range, its <c>{{else}}</c> or <c>{{end}}</c>.</summary>
    /// <returns>The nodes and the <c>else</c>/<c>end</c> keyword token that stopped them, if any.</returns>
    private (List<Node> Nodes, Token? Terminator) ParseList(Token? open)
    {
        var nodes = new List<Node>();
        while (true)
        {
            var token = Take();
            switch (token.Kind)
            {
                case TokenKind.Eof when open is { } control:
                    throw new TemplateException($"{{{{{control.Text}}}}} is never closed: missing {{{{end}}}}", control.Position);
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
                    case "if" or "with":
                        nodes.Add(ParseIfOrWith(first));
                        continue;
                    case "range":
                        nodes.Add(ParseRange(first));
                        continue;
                    case "else" or "end":
                        return (nodes, first);
                    case "break" or "continue":
                        nodes.Add(ParseLoopControl(first));
                        continue;
                    default:
                        throw new TemplateException(
                            $"\"{first.Text}\" is not supported in username templates (if, with, range, else, end, break and continue are)",
                            first.Position);
                }
            }

            var pipeline = ParsePipeline("action");
            Expect(TokenKind.RightDelim, "to close the action");
            nodes.Add(new ActionNode(pipeline, token.Position));
        }
    }

    /// <summary><c>{{if c}}</c> or <c>{{with c}}</c> (whose body has c's value as dot), with optional else and else-if/else-with chain.</summary>
    private IfNode ParseIfOrWith(Token keyword)
    {
        Enter(keyword.Position);
        var mark = _scope.Mark();
        var isWith = keyword.Text == "with";
        var condition = ParsePipeline($"{{{{{keyword.Text}}}}}");
        Expect(TokenKind.RightDelim, $"after the {{{{{keyword.Text}}}}} condition");
        _scope.PushDot(isWith ? condition.Type : _scope.Dot);
        var (then, terminator) = ParseList(keyword);
        _scope.PopDot();

        // "{{else if c}}" / "{{else with c}}" opens a control nested in the else branch that shares the outer {{end}}.
        var otherwise = ParseElse(keyword, terminator!.Value, chains: true);
        _scope.Pop(mark);
        _depth--;
        return new IfNode(condition, then, otherwise, keyword.Position, SetsDot: isWith);
    }

    /// <summary><c>{{range n}}</c> or <c>{{range $e := n}}</c> over a number, with optional else.</summary>
    private RangeNode ParseRange(Token keyword)
    {
        Enter(keyword.Position);
        var mark = _scope.Mark();
        string? variable = null;
        var assigns = false;
        if (Peek.Kind == TokenKind.Variable && PeekAfter.Kind is TokenKind.Assign or TokenKind.Comma)
        {
            var declared = Take();
            var after = Take();
            if (after.Kind == TokenKind.Comma)
            {
                throw new TemplateException(
                    $"range can't iterate over a number with more than one variable ({declared.Text}, …): a username template's values offer only numbers to range over", declared.Position);
            }

            assigns = after.Text == "=";
            if (assigns && !_scope.Assign(declared.Text, ValueType.Int))
            {
                throw new TemplateException($"undefined variable \"{declared.Text}\"", declared.Position);
            }

            variable = declared.Text;
        }

        var count = ParsePipeline("{{range}}");
        if (count.Type is not (ValueType.Int or ValueType.Any))
        {
            throw new TemplateException(
                $"range can't iterate over {Values.Describe(count.Type)}: in a username template only a number n can be ranged over (0 to n-1)", count.Position);
        }

        Expect(TokenKind.RightDelim, "after the {{range}} value");
        if (variable is not null && !assigns)
        {
            _scope.Declare(variable, ValueType.Int);
        }

        _loops++;
        _scope.PushDot(ValueType.Int);
        var (body, terminator) = ParseList(keyword);
        _scope.PopDot();
        _loops--;

        var otherwise = ParseElse(keyword, terminator!.Value, chains: false);
        _scope.Pop(mark);
        _depth--;
        return new RangeNode(variable, assigns, count, body, otherwise, keyword.Position);
    }

    private List<Node> ParseElse(Token keyword, Token terminator, bool chains)
    {
        if (terminator.Text != "else")
        {
            Expect(TokenKind.RightDelim, "after {{end}}");
            return [];
        }

        if (chains && Peek.Kind == TokenKind.Keyword && Peek.Text == keyword.Text)
        {
            return [ParseIfOrWith(Take())];
        }

        Expect(TokenKind.RightDelim, "after {{else}}");
        var (otherwise, end) = ParseList(keyword);
        if (end!.Value.Text == "else")
        {
            throw new TemplateException($"{{{{{keyword.Text}}}}} already has an {{{{else}}}}; expected {{{{end}}}}", end.Value.Position);
        }

        Expect(TokenKind.RightDelim, "after {{end}}");
        return otherwise;
    }

    private LoopControlNode ParseLoopControl(Token keyword)
    {
        if (_loops == 0)
        {
            throw new TemplateException($"{{{{{keyword.Text}}}}} outside {{{{range}}}}", keyword.Position);
        }

        Expect(TokenKind.RightDelim, $"after {{{{{keyword.Text}}}}}");
        return new LoopControlNode(keyword.Text == "break", keyword.Position);
    }

    private void Enter(Position position)
    {
        if (++_depth > MaxDepth)
        {
            throw new TemplateException($"template is nested more than {MaxDepth} levels deep", position);
        }
    }

    /// <summary>
    /// Parses <c>[$x := | $x =] command | command ...</c> up to the closing <c>}}</c> or <c>)</c>, which it leaves.
    /// A declared variable is in scope from the next action on.
    /// </summary>
    private Expr ParsePipeline(string context)
    {
        if (Peek.Kind == TokenKind.Variable && PeekAfter.Kind is TokenKind.Assign or TokenKind.Comma)
        {
            var variable = Take();
            var op = Take();
            if (op.Kind == TokenKind.Comma)
            {
                throw new TemplateException($"too many declarations in {context}", op.Position);
            }

            var value = ParseCommands(context);
            var declares = op.Text == ":=";
            if (declares)
            {
                _scope.Declare(variable.Text, value.Type);
            }
            else if (!_scope.Assign(variable.Text, value.Type))
            {
                throw new TemplateException($"undefined variable \"{variable.Text}\"", variable.Position);
            }

            return new Assignment(variable.Text, value, declares, variable.Position);
        }

        return ParseCommands(context);
    }

    private Pipeline ParseCommands(string context)
    {
        var start = Peek.Position;
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
            var function = CallBuilder.LookUp(head);
            var args = new List<Expr>();
            while (!AtCommandEnd())
            {
                RequireSpace();
                args.Add(ParseOperand());
            }

            return CallBuilder.MakeCall(function, args, piped, head.Position);
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
                return new IntLiteral(CallBuilder.ParseNumber(token), token.Position);
            case TokenKind.Bool:
                return new BoolLiteral(token.Text == "true", token.Position);
            case TokenKind.Field:
                return FieldOf(new DotRef(_scope.Dot, token.Position), token);
            case TokenKind.Dot:
                return new DotRef(_scope.Dot, token.Position);
            case TokenKind.Variable:
                var variable = new VariableRef(token.Text, _scope.Lookup(token.Text)
                    ?? throw new TemplateException($"undefined variable \"{token.Text}\"", token.Position), token.Position);
                return Peek is { Kind: TokenKind.Field, SpaceBefore: false } ? FieldOf(variable, Take()) : variable;
            case TokenKind.Identifier:
                // Go calls a function named as an argument with no arguments: "printf "%s" unix_time".
                return CallBuilder.MakeCall(CallBuilder.LookUp(token), [], piped: null, token.Position);
            case TokenKind.LeftParen:
                Enter(token.Position);
                var inner = ParsePipeline("parentheses");
                Expect(TokenKind.RightParen, "to close the \"(\" at " + Where(token.Position));
                _depth--;
                return inner;
            case TokenKind.Eof:
                throw new TemplateException("template ends inside an action", token.Position);
            default:
                throw new TemplateException($"unexpected {token.Describe()}", token.Position);
        }
    }

    /// <summary>A field of dot or of a variable; only the data has fields.</summary>
    private static FieldRef FieldOf(Expr receiver, Token token)
    {
        var name = token.Text[1..];
        if (!Field.All.TryGetValue(name, out var field))
        {
            throw new TemplateException(
                $"unknown field {token.Text}; the fields are {string.Join(", ", Field.All.Keys.Select(k => "." + k))}",
                token.Position);
        }

        if (receiver.Type is not (ValueType.Data or ValueType.Any))
        {
            throw new TemplateException($"can't evaluate field {name} in type {Values.GoTypeName(receiver.Type)}", token.Position);
        }

        return new FieldRef(field, receiver, token.Position);
    }

    private static string Where(Position p) => $"line {p.Line} column {p.Column}";
}
