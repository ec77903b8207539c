namespace DynamicAwsCreds.Engine.Store;

/// <summary>
/// The order of ids, paths and names in every store: ordinal by Unicode code point, which is how SQLite (BINARY
/// collation) and DynamoDB compare UTF-8 strings. It differs from <see cref="StringComparer.Ordinal"/> (UTF-16 code
/// units) only between a character above U+FFFF and one from U+E000 to U+FFFF.
/// </summary>
public sealed class CodePointOrder : IComparer<string>
{
    public static readonly CodePointOrder Instance = new();

    private CodePointOrder()
    {
    }

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }

        var length = Math.Min(x.Length, y.Length);
        for (var i = 0; i < length; i++)
        {
            if (x[i] != y[i])
            {
                return Rank(x[i]) - Rank(y[i]);
            }
        }

        return x.Length - y.Length;
    }

    // Surrogates (the halves of characters above U+FFFF) rank above U+E000-U+FFFF; the rest keep their order.
    private static int Rank(char c) => c >= '\uE000' ? c - 0x800 : c >= '\uD800' ? c + 0x2000 : c;
}
