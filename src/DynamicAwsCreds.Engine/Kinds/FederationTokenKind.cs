using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;

namespace DynamicAwsCreds.Engine.Kinds;

/// <summary>federation_token: sts:GetFederationToken for a federated user named by the template (at most 32 characters), with the role's session policy.</summary>
internal sealed class FederationTokenKind : StsKind
{
    public const string TypeName = "federation_token";

    public override string Name => TypeName;

    /// <summary>GetFederationToken's DurationSeconds: up to 36 hours (AWS cuts a session of the account's root user to 1 hour).</summary>
    protected override TimeSpan MaxTtl => TimeSpan.FromHours(36);

    protected override string DurationHint => "Ask for a shorter -Ttl (or lower the role's -DefaultStsTtl/-MaxStsTtl).";

    protected override void RefuseOtherFields(Role role, RoleProblems problems)
    {
        RoleFields.RefuseRoleArns(role, problems);
        RoleFields.RefuseAssumeRoleFields(role, problems);
    }

    /// <summary>Vault's: the template rendered for STS names (Type "STS"), at most 32 characters.</summary>
    protected override string? PrincipalName(string? template, string displayName, Role role, StsOptions options, DateTimeOffset now) =>
        StsNames.FederatedName(template, displayName, role, now);

    protected override async Task<StsCredentials> CallAsync(
        CredentialKindContext context, Role role, TimeSpan duration, StsOptions options, string? name, CancellationToken ct)
    {
        var (policy, arns) = await SessionPolicy.ForRoleAsync(context.Iam, role, ct).ConfigureAwait(false);
        if (policy is null && arns.Count == 0)
        {
            throw new EngineException("FederationTokenNeedsPolicy", ErrorKind.InvalidOperation, role.Name,
                $"Role '{role.Name}' (federation_token) has no policy: a federated user with none can do nothing. Give it -PolicyDocument, -PolicyArn or -IamGroup.");
        }

        // Set-AwsRole refuses session tags on a federation_token role; one stored before that rule keeps sending its own.
        var request = new StsRequest(duration, policy, arns, role.SessionTags.Count > 0 ? role.SessionTags : null);
        return await context.Sts.GetFederationTokenAsync(request, name!, ct).ConfigureAwait(false);
    }
}
