namespace DynamicAwsCreds.Engine.Store;

/// <summary>
/// Seals secrets before they reach a store and opens them again. The context string is bound to the ciphertext
/// (as associated data), so a sealed value cannot be moved to another row. Implementations never log or
/// put a plaintext in an exception.
/// </summary>
public interface ISecretSealer
{
    byte[] Seal(string plaintext, string context);

    string Open(byte[] sealedValue, string context);
}
