using System.Globalization;

namespace DynamicAwsCreds.Engine.Config.Templates;

/// <summary>
/// The parser's checks on calls and literals: a function must exist and get the number and types of arguments it
/// takes, literal arguments must be acceptable to it, and numbers must be whole.
/// </summary>
internal static class CallBuilder
{
    public static Function LookUp(Token name) =>
        Functions.All.TryGetValue(name.Text, out var function)
            ? function
            : throw new TemplateException($"function \"{name.Text}\" is not defined", name.Position);

    public static long ParseNumber(Token token)
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

    public static Call MakeCall(Function function, List<Expr> args, Expr? piped, Position position)
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
