namespace LocalAws;

/// <summary>
/// IAM's eventual consistency (<see cref="LocalAwsOptions.ConsistencyDelayMs"/>). AWS commits a change at once, but
/// other calls see it only once it has reached the servers that answer them. Here every new user, and every managed
/// or inline policy, group membership and access key added to a user, gets its own random "visible at" time within
/// the delay. Lookups by name and Lists go by it (NoSuchEntity, or left out, until then); IAM's own checks on what is
/// committed (a name in use, DeleteConflict, quotas) do not. Deletions are seen at once.
/// </summary>
internal static class Consistency
{
    /// <summary>When a change made now becomes visible to other calls (an <see cref="Environment.TickCount64"/> value); 0 without a delay.</summary>
    public static long VisibleAt(LocalAwsOptions options) =>
        options.ConsistencyDelayMs <= 0 ? 0 : Environment.TickCount64 + Random.Shared.Next(options.ConsistencyDelayMs + 1);

    public static bool IsVisible(long visibleAt) => visibleAt == 0 || Environment.TickCount64 >= visibleAt;

    /// <summary>The key under which <see cref="UserEntity.Pending"/> holds a managed policy attachment.</summary>
    public static string Attachment(string policyArn) => "policy:" + policyArn;

    public static string Inline(string policyName) => "inline:" + policyName;

    public static string Membership(GroupEntity group) => "group:" + group.Id;
}
