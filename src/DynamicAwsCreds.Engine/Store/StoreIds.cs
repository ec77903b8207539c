namespace DynamicAwsCreds.Engine.Store;

/// <summary>
/// The random id a store is given when it is created: <see cref="Length"/> characters of A–Z a–z 0–9 from the OS
/// CSPRNG, the same for every kind of store, since every IAM user's ownership marker names it.
/// </summary>
public static class StoreIds
{
    public const int Length = 20;

    public static string New() => Config.SecureRandom.Base62(Length);
}
