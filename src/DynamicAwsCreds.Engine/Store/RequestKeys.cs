namespace DynamicAwsCreds.Engine.Store;

/// <summary>The request keys a store locks (<see cref="ILeaseStore.LockRequestAsync"/>): hex digits, safe as a file name or an item key.</summary>
public static class RequestKeys
{
    public static void Check(string key)
    {
        if (key.Length == 0 || !key.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException("A request key is hex digits.", nameof(key));
        }
    }
}
