namespace DynamicAwsCreds.Engine.Config.Templates;

/// <summary>The kinds of value a template expression yields; known before rendering except where <see cref="Any"/>.</summary>
internal enum ValueType
{
    String,
    Int,
    Bool,

    /// <summary>The template's data itself (Go's dot at the top level, and <c>$</c>): it has fields, and prints as Vault's struct does.</summary>
    Data,
    Any,
}

internal abstract record Node(Position Position);

internal sealed record TextNode(string Text, Position Position) : Node(Position);

/// <summary><c>{{ pipeline }}</c>: prints the pipeline's value, unless it declares or assigns a variable (then nothing).</summary>
internal sealed record ActionNode(Expr Pipeline, Position Position) : Node(Position);

/// <summary>
/// <c>{{ if c }}…{{ else }}…{{ end }}</c>, and with <see cref="SetsDot"/> Go's <c>{{ with c }}</c>, whose body runs with
/// the condition's value as dot. An <c>else if</c> / <c>else with</c> is an <see cref="IfNode"/> alone in <see cref="Else"/>.
/// Variables declared inside end at <c>{{ end }}</c>.
/// </summary>
internal sealed record IfNode(Expr Condition, IReadOnlyList<Node> Then, IReadOnlyList<Node> Else, Position Position, bool SetsDot = false)
    : Node(Position);

/// <summary>
/// <c>{{ range $e := n }}…{{ else }}…{{ end }}</c> over a number n (0 to n-1, as Go ranges over an integer; the
/// template's values offer nothing else to range over): dot and the variable are each element in turn. With
/// <see cref="Assigns"/> (<c>range $e = n</c>) the variable is one declared before, and keeps the last element.
/// <see cref="Else"/> runs when n ≤ 0.
/// </summary>
internal sealed record RangeNode(string? Variable, bool Assigns, Expr Count, IReadOnlyList<Node> Body, IReadOnlyList<Node> Else, Position Position)
    : Node(Position);

/// <summary><c>{{ break }}</c> or <c>{{ continue }}</c> inside a range.</summary>
internal sealed record LoopControlNode(bool IsBreak, Position Position) : Node(Position);

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

/// <summary><c>.Name</c> of dot, or <c>$x.Name</c> of a variable (<see cref="Receiver"/>); a string when the receiver is the data.</summary>
internal sealed record FieldRef(Field Field, Expr Receiver, Position Position) : Expr(Position)
{
    public override ValueType Type => Receiver.Type == ValueType.Data ? ValueType.String : ValueType.Any;
}

/// <summary><c>.</c>: the data at the top level, the value of a <c>with</c>, the element of a <c>range</c>.</summary>
internal sealed record DotRef(ValueType DotType, Position Position) : Expr(Position)
{
    public override ValueType Type => DotType;
}

/// <summary><c>$x</c>, or <c>$</c> (the data).</summary>
internal sealed record VariableRef(string Name, ValueType VariableType, Position Position) : Expr(Position)
{
    public override ValueType Type => VariableType;
}

/// <summary><c>$x := pipeline</c> (<see cref="Declares"/>) or <c>$x = pipeline</c>: sets the variable and yields the value.</summary>
internal sealed record Assignment(string Name, Expr Value, bool Declares, Position Position) : Expr(Position)
{
    public override ValueType Type => Value.Type;
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
