using System.Globalization;
using System.Text;

namespace DynamicAwsCreds.Engine.Config.Templates;

/// <summary>Splits a template into text and the tokens of its <c>{{ }}</c> actions, as Go's text/template does.</summary>
internal sealed class Lexer
{
    private const string LeftDelim = "{{";
    private const string RightDelim = "}}";

    private static readonly HashSet<string> Keywords =
        ["if", "else", "end", "range", "with", "define", "template", "block", "break", "continue", "nil"];

    private readonly string _src;
    private readonly List<Token> _tokens = [];
    private int _pos;
    private int _line = 1;
    private int _lineStart;

    private Lexer(string src) => _src = src;

    public static IReadOnlyList<Token> Tokenize(string src)
    {
        var lexer = new Lexer(src);
        lexer.Run();
        return lexer._tokens;
    }

    private Position Here => PositionOf(_pos);

    private Position PositionOf(int offset)
    {
        // Errors may point back at where an action or string began, before the line _pos is on.
        var line = _line;
        var lineStart = _lineStart;
        if (offset < lineStart)
        {
            line = 1;
            lineStart = 0;
            for (var i = 0; i < offset; i++)
            {
                if (_src[i] == '\n')
                {
                    line++;
                    lineStart = i + 1;
                }
            }
        }

        return new Position(line, offset - lineStart + 1);
    }

    private void Advance(int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (_src[_pos] == '\n')
            {
                _line++;
                _lineStart = _pos + 1;
            }

            _pos++;
        }
    }

    private char Peek(int ahead = 0) => _pos + ahead < _src.Length ? _src[_pos + ahead] : '\0';

    private bool At(string s) => string.CompareOrdinal(_src, _pos, s, 0, s.Length) == 0;

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

    private void Run()
    {
        var trimNextText = false;
        while (_pos < _src.Length)
        {
            var start = _pos;
            var delim = _src.IndexOf(LeftDelim, _pos, StringComparison.Ordinal);
            var end = delim < 0 ? _src.Length : delim;
            var trimLeft = delim >= 0 && HasLeftTrimMarker(delim);

            var text = _src[start..end];
            if (trimNextText)
            {
                text = text.TrimStart(' ', '\t', '\r', '\n');
            }

            if (trimLeft)
            {
                text = text.TrimEnd(' ', '\t', '\r', '\n');
            }

            if (text.Length > 0)
            {
                _tokens.Add(new Token(TokenKind.Text, text, PositionOf(start)));
            }

            Advance(end - start);
            if (delim < 0)
            {
                break;
            }

            trimNextText = LexAction(trimLeft);
        }

        _tokens.Add(new Token(TokenKind.Eof, "", Here));
    }

    // Go only treats "-" as a trim marker when white space follows it; "{{-3}}" is the number -3.
    private bool HasLeftTrimMarker(int delim) =>
        delim + 3 < _src.Length && _src[delim + 2] == '-' && IsSpace(_src[delim + 3]);

    /// <returns>Whether the action ended with a right trim marker.</returns>
    private bool LexAction(bool trimLeft)
    {
        var open = Here;
        Advance(LeftDelim.Length + (trimLeft ? 1 : 0));

        var afterMarker = trimLeft ? 1 : 0;
        if (string.CompareOrdinal(_src, _pos + afterMarker, "/*", 0, 2) == 0)
        {
            Advance(afterMarker);
            return LexComment(open);
        }

        _tokens.Add(new Token(TokenKind.LeftDelim, LeftDelim, open));
        while (true)
        {
            var spaceBefore = false;
            while (_pos < _src.Length && IsSpace(Peek()))
            {
                Advance(1);
                spaceBefore = true;
            }

            if (_pos >= _src.Length)
            {
                throw new TemplateException("unclosed action: \"{{\" has no matching \"}}\"", open);
            }

            if (spaceBefore && At("-" + RightDelim))
            {
                _tokens.Add(new Token(TokenKind.RightDelim, RightDelim, Here, true));
                Advance(3);
                return true;
            }

            if (At(RightDelim))
            {
                _tokens.Add(new Token(TokenKind.RightDelim, RightDelim, Here, spaceBefore));
                Advance(2);
                return false;
            }

            _tokens.Add(LexToken(spaceBefore));
        }
    }

    private bool LexComment(Position open)
    {
        var close = _src.IndexOf("*/", _pos + 2, StringComparison.Ordinal);
        if (close < 0)
        {
            throw new TemplateException("unclosed comment: \"/*\" has no matching \"*/\"", open);
        }

        Advance(close + 2 - _pos);
        if (At(" -" + RightDelim))
        {
            Advance(4);
            return true;
        }

        if (At(RightDelim))
        {
            Advance(2);
            return false;
        }

        throw new TemplateException("comment must end with \"*/}}\" (or \"*/ -}}\")", Here);
    }

    private Token LexToken(bool spaceBefore)
    {
        var start = Here;
        var c = Peek();
        switch (c)
        {
            case '|':
                Advance(1);
                return new Token(TokenKind.Pipe, "|", start, spaceBefore);
            case ',':
                Advance(1);
                return new Token(TokenKind.Comma, ",", start, spaceBefore);
            case '(':
                Advance(1);
                return new Token(TokenKind.LeftParen, "(", start, spaceBefore);
            case ')':
                Advance(1);
                return new Token(TokenKind.RightParen, ")", start, spaceBefore);
            case '"':
                return new Token(TokenKind.String, LexQuoted(start), start, spaceBefore);
            case '`':
                return new Token(TokenKind.String, LexRaw(start), start, spaceBefore);
            case '\'':
                throw new TemplateException("character constants ('x') are not supported; use a \"string\"", start);
            case '$':
                Advance(1);
                return new Token(TokenKind.Variable, "$" + ReadWord(), start, spaceBefore);
            case ':' when Peek(1) == '=':
                Advance(2);
                return new Token(TokenKind.Assign, ":=", start, spaceBefore);
            case '=':
                Advance(1);
                return new Token(TokenKind.Assign, "=", start, spaceBefore);
            case '.' when IsWordStart(Peek(1)):
                Advance(1);
                return new Token(TokenKind.Field, "." + ReadWord(), start, spaceBefore);
            case '.' when !char.IsAsciiDigit(Peek(1)):
                Advance(1);
                return new Token(TokenKind.Dot, ".", start, spaceBefore);
        }

        if (char.IsAsciiDigit(c) || c == '.' || (c is '+' or '-' && (char.IsAsciiDigit(Peek(1)) || Peek(1) == '.')))
        {
            return new Token(TokenKind.Number, LexNumber(), start, spaceBefore);
        }

        if (IsWordStart(c))
        {
            var word = ReadWord();
            var kind = word is "true" or "false" ? TokenKind.Bool
                : Keywords.Contains(word) ? TokenKind.Keyword
                : TokenKind.Identifier;
            return new Token(kind, word, start, spaceBefore);
        }

        throw new TemplateException($"unexpected character '{c}' inside action", start);
    }

    private static bool IsWordStart(char c) => char.IsLetter(c) || c == '_';

    private string ReadWord()
    {
        var start = _pos;
        while (_pos < _src.Length && (char.IsLetterOrDigit(Peek()) || Peek() == '_'))
        {
            Advance(1);
        }

        return _src[start.._pos];
    }

    // Scans greedily like Go, so "10abc" is reported as one bad number rather than a number and a name.
    private string LexNumber()
    {
        var start = _pos;
        if (Peek() is '+' or '-')
        {
            Advance(1);
        }

        while (_pos < _src.Length && (char.IsLetterOrDigit(Peek()) || Peek() is '_' or '.'))
        {
            Advance(1);
        }

        return _src[start.._pos];
    }

    private string LexRaw(Position start)
    {
        var close = _src.IndexOf('`', _pos + 1);
        if (close < 0)
        {
            throw new TemplateException("unterminated raw string: \"`\" has no closing \"`\"", start);
        }

        var value = _src[(_pos + 1)..close].Replace("\r", "", StringComparison.Ordinal);
        Advance(close + 1 - _pos);
        return value;
    }

    private string LexQuoted(Position start)
    {
        Advance(1);
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _src.Length || Peek() == '\n')
            {
                throw new TemplateException("unterminated string: '\"' has no closing '\"'", start);
            }

            var c = Peek();
            Advance(1);
            if (c == '"')
            {
                return sb.ToString();
            }

            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }

            var escapeAt = PositionOf(_pos - 1);
            var e = _pos < _src.Length ? Peek() : '\0';
            Advance(_pos < _src.Length ? 1 : 0);
            switch (e)
            {
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case '\\': sb.Append('\\'); break;
                case '"': sb.Append('"'); break;
                case 'x': sb.Append((char)ReadHex(2, escapeAt)); break;
                case 'u': AppendCodePoint(sb, ReadHex(4, escapeAt), escapeAt); break;
                case 'U': AppendCodePoint(sb, ReadHex(8, escapeAt), escapeAt); break;
                case >= '0' and <= '7':
                    sb.Append((char)ReadOctal(e, escapeAt));
                    break;
                default:
                    throw new TemplateException($"unknown escape sequence \"\\{e}\" in string", escapeAt);
            }
        }
    }

    private int ReadHex(int digits, Position escapeAt)
    {
        if (_pos + digits > _src.Length ||
            !int.TryParse(_src.AsSpan(_pos, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
        {
            throw new TemplateException($"escape sequence needs {digits} hex digits", escapeAt);
        }

        Advance(digits);
        return value;
    }

    private int ReadOctal(char first, Position escapeAt)
    {
        var value = first - '0';
        for (var i = 0; i < 2; i++)
        {
            if (Peek() is < '0' or > '7')
            {
                throw new TemplateException("octal escape sequence needs 3 digits", escapeAt);
            }

            value = (value * 8) + (Peek() - '0');
            Advance(1);
        }

        if (value > 255)
        {
            throw new TemplateException("octal escape value is greater than 255", escapeAt);
        }

        return value;
    }

    private static void AppendCodePoint(StringBuilder sb, int codePoint, Position escapeAt)
    {
        if (!Rune.IsValid(codePoint))
        {
            throw new TemplateException($"escape sequence is not a valid Unicode code point: U+{codePoint:X}", escapeAt);
        }

        sb.Append(new Rune(codePoint).ToString());
    }
}
