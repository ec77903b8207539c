namespace DynamicAwsCreds.Engine.Stores;

/// <summary>What Copy-LeaseStore asks for: a SQLite store (default: the current one, else the OS user's) into a DynamoDB table.</summary>
public sealed record StoreCopyRequest(string Destination)
{
    /// <summary>The SQLite store's path; null: DYNAMICAWSCREDS_STORE when it names a file, else the OS user's store.</summary>
    public string? Source { get; init; }

    /// <summary>The KMS key root secret keys are sealed with in the destination; null: each root config's own KmsKeyId.</summary>
    public string? KmsKeyId { get; init; }

    /// <summary>Copy root configs without their keys: the destination's hosts then sign with the SDK's default chain.</summary>
    public bool UseDefaultCredentialChain { get; init; }
}

/// <summary>What became of the source's root keys in the destination.</summary>
public enum RootKeyCopy
{
    /// <summary>No root config held keys.</summary>
    None,

    /// <summary>Sealed again with AWS KMS.</summary>
    Resealed,

    /// <summary>Left behind: the destination's hosts use the SDK's default chain.</summary>
    DefaultChain,
}

/// <summary>What a copy carries from its source (or, for -WhatIf, would carry), and what it leaves behind.</summary>
public sealed record StoreCopySummary(
    string Source,
    string Destination,
    string StoreId,
    IReadOnlyList<string> Mounts,
    int Roles,
    int Leases,
    RootKeyCopy RootKeys)
{
    /// <summary>Intents (issues in progress): their process finishes or recovers them in the source.</summary>
    public int SkippedIntents { get; init; }

    /// <summary>credential_process cache entries: sealed for the source's machine, so of no use elsewhere.</summary>
    public int SkippedCacheEntries { get; init; }

    /// <summary>Active leases already past their expiry: the source's Revoke-Lease -Expired removes their users.</summary>
    public int ExpiredLeases { get; init; }

    /// <summary>Of <see cref="Mounts"/>, <see cref="Roles"/> and <see cref="Leases"/>: how many the destination did not hold yet.</summary>
    public int Added { get; init; }
}
