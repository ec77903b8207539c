namespace DynamicAwsCreds.Engine.Config.Templates;

/// <summary>The kinds of value a template expression yields; known before rendering except where <see cref="Any"/>.</summary>
internal enum ValueType
{
    String,
    Int,
    Bool,
    Any,
}

internal abstract record Node(Position Position);

internal sealed record TextNode(string Text, Position Position) : Node(Position);

/// <summary><c>{{ pipeline }}</c>: prints the pipeline's value.</summary>
internal sealed record ActionNode(Expr Pipeline, Position Position) : Node(Position);

/// <summary><c>{{ if c }}…{{ else }}…{{ end }}</c>; an <c>else if</c> is an <see cref="IfNode"/> alone in <see cref="Else"/>.</summary>
internal sealed record IfNode(Expr Condition, IReadOnlyList<Node> Then, IReadOnlyList<Node> Else, Position Position)
    : Node(Position);

internal abstract record Expr(Position Position)
{
    public abstract ValueType Type { get; }
}

internal sealed record StringLiteral(string Value, Position Position) : Expr(Position)
{
    public override ValueType Type => ValueType.String;
}

internal sealed record IntLiteral(long Value, Position Position) : Expr(Position)
{
    public override ValueType Type => ValueType.Int;
}

internal sealed record BoolLiteral(bool Value, Position Position) : Expr(Position)
{
    public override ValueType Type => ValueType.Bool;
}

internal sealed record FieldRef(Field Field, Position Position) : Expr(Position)
{
    public override ValueType Type => ValueType.String;
}

/// <summary>
/// A function call. In a pipeline stage after the first, <see cref="Args"/> leaves out the value piped in,
/// which is passed as the last argument.
/// </summary>
internal sealed record Call(Function Function, IReadOnlyList<Expr> Args, bool IsPipedInto, ValueType ResultType, Position Position)
    : Expr(Position)
{
    public override ValueType Type => ResultType;
}

/// <summary><c>a | f x | g</c>: every stage after the first is a <see cref="Call"/> with <see cref="Call.IsPipedInto"/>.</summary>
internal sealed record Pipeline(IReadOnlyList<Expr> Stages, Position Position) : Expr(Position)
{
    public override ValueType Type => Stages[^1].Type;
}

internal sealed record Field(string Name, Func<TemplateData, string> Read)
{
    public static readonly IReadOnlyDictionary<string, Field> All = new Dictionary<string, Field>(StringComparer.Ordinal)
    {
        ["DisplayName"] = new("DisplayName", d => d.DisplayName),
        ["PolicyName"] = new("PolicyName", d => d.PolicyName),
        ["RoleName"] = new("RoleName", d => d.RoleName),
        ["Type"] = new("Type", d => d.Type),
    };
}
