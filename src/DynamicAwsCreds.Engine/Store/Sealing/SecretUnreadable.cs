namespace DynamicAwsCreds.Engine.Store.Sealing;

/// <summary>The one error of every sealer that cannot open a value: DynamicAwsCreds.SecretUnreadable, never with the value in it.</summary>
internal static class SecretUnreadable
{
    /// <param name="target">What to fix (the key file, the store).</param>
    /// <param name="source">Where the key lives, as the message names it.</param>
    /// <param name="why">What went wrong.</param>
    public static EngineException Error(object target, string source, string why, Exception? inner = null) =>
        new("SecretUnreadable", ErrorKind.InvalidData, target,
            $"A stored secret cannot be decrypted: {why} ({source}). Set the root config again with Set-AwsRootConfig.", inner);
}
