namespace DynamicAwsCreds.Engine.Config.Templates;

internal enum TokenKind
{
    Text,
    LeftDelim,
    RightDelim,
    Identifier,
    Keyword,
    Field,
    Dot,
    String,
    Number,
    Bool,
    Pipe,
    Comma,
    LeftParen,
    RightParen,
    Variable,
    Assign,
    Eof,
}

/// <param name="Text">The source text of the token; for strings, the unescaped value.</param>
/// <param name="SpaceBefore">Whether white space separates this token from the one before it inside an action.</param>
internal readonly record struct Token(TokenKind Kind, string Text, Position Position, bool SpaceBefore = false)
{
    public string Describe() => Kind switch
    {
        TokenKind.Eof => "end of template",
        TokenKind.RightDelim => "}}",
        TokenKind.LeftDelim => "{{",
        TokenKind.String => $"string \"{Text}\"",
        _ => $"\"{Text}\"",
    };
}

