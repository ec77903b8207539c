using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;

namespace DynamicAwsCreds.Engine.Kinds;

/// <summary>federation_token: sts:GetFederationToken for a federated user named by the template (at most 32 characters), with the role's session policy.</summary>
internal sealed class FederationTokenKind : StsKind
{
    public const string TypeName = "federation_token";

    public override string Name => TypeName;

    protected override int NameMaxLength => StsNames.FederatedNameMaxLength;

    protected override void RefuseOtherFields(Role role) => RoleFields.RefuseRoleArns(role);

    protected override async Task<StsCredentials> CallAsync(
        CredentialKindContext context, Role role, TimeSpan duration, StsOptions options, string name, CancellationToken ct)
    {
        var (policy, arns) = await SessionPolicy.ForRoleAsync(context.Iam, role, ct).ConfigureAwait(false);
        if (policy is null && arns.Count == 0)
        {
            throw new EngineException("FederationTokenNeedsPolicy", ErrorKind.InvalidOperation, role.Name,
                $"Role '{role.Name}' (federation_token) has no policy: a federated user with none can do nothing. Give it -PolicyDocument, -PolicyArn or -IamGroup.");
        }

        var request = new StsRequest(duration, policy, arns, role.SessionTags.Count > 0 ? role.SessionTags : null);
        return await context.Sts.GetFederationTokenAsync(request, name, ct).ConfigureAwait(false);
    }
}
