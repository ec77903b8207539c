namespace DynamicAwsCreds.Engine.Config.Templates;

/// <summary>
/// What the parser knows at each point of a template: the variables in scope with the types of their values
/// (<c>$</c>, the data, always first), and the type of dot. Variables declared inside an if, with or range end at its
/// <c>{{ end }}</c>, as in Go.
/// </summary>
internal sealed class ParseScope
{
    private readonly List<(string Name, ValueType Type)> _variables = [("$", ValueType.Data)];
    private readonly Stack<ValueType> _dots = new([ValueType.Data]);

    public ValueType Dot => _dots.Peek();

    public void PushDot(ValueType type) => _dots.Push(type);

    public void PopDot() => _dots.Pop();

    public int Mark() => _variables.Count;

    public void Pop(int mark) => _variables.RemoveRange(mark, _variables.Count - mark);

    public void Declare(string name, ValueType type) => _variables.Add((name, type));

    /// <summary>The type of the variable's value, or null when no variable of that name is in scope.</summary>
    public ValueType? Lookup(string name)
    {
        var i = _variables.FindLastIndex(v => v.Name == name);
        return i < 0 ? null : _variables[i].Type;
    }

    /// <summary>
    /// Records an assignment; false when the variable is not in scope. A value of another type makes the variable's
    /// type unknown from here on (rendering checks it).
    /// </summary>
    public bool Assign(string name, ValueType type)
    {
        var i = _variables.FindLastIndex(v => v.Name == name);
        if (i < 0)
        {
            return false;
        }

        if (_variables[i].Type != type)
        {
            _variables[i] = (name, ValueType.Any);
        }

        return true;
    }
}
