namespace DynamicAwsCreds.Engine.Kinds;

/// <summary>The registry of credential kinds: a new kind is one class and one line here.</summary>
public static class CredentialKinds
{
    private static readonly ICredentialKind[] Registered =
    [
        new IamUserKind(),
        new AssumedRoleKind(),
        new FederationTokenKind(),
        new SessionTokenKind(),
    ];

    /// <summary>Every credential_type, in the order Set-AwsRole offers them.</summary>
    public static IReadOnlyList<string> Names { get; } = Registered.Select(k => k.Name).ToArray();

    /// <summary>What a new role is when Set-AwsRole is given no -CredentialType, as in Vault.</summary>
    public static ICredentialKind Default { get; } = Registered.Single(k => k.Name == IamUserKind.TypeName);

    /// <summary>The kind of that name (spaces around it and case ignored); InvalidCredentialType for any other name.</summary>
    public static ICredentialKind Get(string? name)
    {
        var wanted = name?.Trim().ToLowerInvariant();
        return Array.Find(Registered, k => k.Name == wanted)
            ?? throw new EngineException("InvalidCredentialType", ErrorKind.InvalidArgument, name,
                $"'{name}' is not a credential type. Use one of: {string.Join(", ", Names)}.");
    }
}
