namespace DynamicAwsCreds.Engine.Config.Templates;

/// <summary>A username template that cannot be parsed or rendered; the message says what went wrong and where.</summary>
public sealed class TemplateException : Exception
{
    public TemplateException(string message)
        : base(message)
    {
    }

    public TemplateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal TemplateException(string message, Position position)
        : base($"username template, line {position.Line} column {position.Column}: {message}")
    {
        Line = position.Line;
        Column = position.Column;
    }

    /// <summary>1-based line of the problem, or 0 when it has no single place.</summary>
    public int Line { get; }

    /// <summary>1-based column of the problem, or 0 when it has no single place.</summary>
    public int Column { get; }
}

internal readonly record struct Position(int Line, int Column);
