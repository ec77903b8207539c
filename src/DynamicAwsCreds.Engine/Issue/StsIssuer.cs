using System.Text.Json;
using System.Text.Json.Nodes;
using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Issue;

/// <summary>What a caller may add to an STS request: Vault's role_arn, role_session_name and mfa_code.</summary>
public sealed record StsOptions(string? RoleArn = null, string? RoleSessionName = null, string? MfaCode = null);

/// <summary>
/// Issues STS credentials (assumed_role, federation_token, session_token). Nothing is created in IAM,
/// so there is nothing to roll back; the lease lasts until the STS expiry and is not renewable.
/// </summary>
internal static class StsIssuer
{
    public static async Task<IssuedCredential> IssueAsync(
        IStsApi sts, IIamApi iam, ILeaseStore store, Role role, LeaseRecord lease, StsOptions options, string sessionName, CancellationToken ct)
    {
        var duration = lease.ExpireTime - lease.IssueTime;
        StsCredentials credentials;
        switch (role.CredentialType)
        {
            case CredentialTypes.AssumedRole:
            {
                var roleArn = ChooseRoleArn(role, options.RoleArn);
                var (policy, arns) = await SessionPolicyAsync(iam, role, ct).ConfigureAwait(false);
                var request = new StsRequest(duration, policy, arns, role.SessionTags.Count > 0 ? role.SessionTags : null,
                    role.MfaSerialNumber, options.MfaCode);
                credentials = await sts.AssumeRoleAsync(request, roleArn, options.RoleSessionName ?? sessionName, role.ExternalId, ct).ConfigureAwait(false);
                break;
            }

            case CredentialTypes.FederationToken:
            {
                var (policy, arns) = await SessionPolicyAsync(iam, role, ct).ConfigureAwait(false);
                if (policy is null && arns.Count == 0)
                {
                    throw new EngineException("FederationTokenNeedsPolicy", ErrorKind.InvalidOperation, role.Name,
                        $"Role '{role.Name}' (federation_token) has no policy: a federated user with none can do nothing. Give it -PolicyDocument, -PolicyArn or -IamGroup.");
                }

                var request = new StsRequest(duration, policy, arns, role.SessionTags.Count > 0 ? role.SessionTags : null);
                credentials = await sts.GetFederationTokenAsync(request, sessionName, ct).ConfigureAwait(false);
                break;
            }

            default:
                if (role.MfaSerialNumber is not null && string.IsNullOrEmpty(options.MfaCode))
                {
                    throw new EngineException("MfaCodeRequired", ErrorKind.InvalidArgument, role.Name,
                        $"Role '{role.Name}' requires MFA ({role.MfaSerialNumber}). Pass the current code with -MfaCode.");
                }

                credentials = await sts.GetSessionTokenAsync(duration, role.MfaSerialNumber, role.MfaSerialNumber is null ? null : options.MfaCode, ct)
                    .ConfigureAwait(false);
                break;
        }

        var active = lease with
        {
            ExpireTime = credentials.Expiration,
            MaxExpireTime = credentials.Expiration,
            AccessKeyId = credentials.AccessKeyId,
            AssumedRoleArn = role.CredentialType == CredentialTypes.AssumedRole ? credentials.PrincipalArn : null,
        };
        // The lease row is committed before the credentials are handed out.
        if (!store.InsertLeaseUnderEnabledMount(active))
        {
            throw MountClosed(lease.Mount);
        }

        return new IssuedCredential(active, credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken);
    }

    /// <summary>The mount was disabled (or is being disabled) while this issue ran.</summary>
    internal static EngineException MountClosed(string mount) =>
        new("MountDisabled", ErrorKind.InvalidOperation, mount,
            $"The secrets engine at '{mount}' is being disabled (or was), so it issues no new credentials. If a Disable-SecretsEngine stopped half-way, run it again.");

    /// <summary>Vault's rule: -RoleArn must be one of the role's ARNs; with several and none given, the caller must choose.</summary>
    internal static string ChooseRoleArn(Role role, string? requested)
    {
        if (requested is not null)
        {
            if (!role.RoleArns.Contains(requested, StringComparer.Ordinal))
            {
                throw new EngineException("RoleArnNotAllowed", ErrorKind.InvalidArgument, requested,
                    $"'{requested}' is not one of role '{role.Name}''s role ARNs: {string.Join(", ", role.RoleArns)}.");
            }

            return requested;
        }

        return role.RoleArns.Count switch
        {
            1 => role.RoleArns[0],
            0 => throw new EngineException("RoleArnMissing", ErrorKind.InvalidOperation, role.Name,
                $"Role '{role.Name}' (assumed_role) has no role ARN. Add one with Set-AwsRole {role.Name} -RoleArn <arn>."),
            _ => throw new EngineException("RoleArnRequired", ErrorKind.InvalidArgument, role.Name,
                $"Role '{role.Name}' lists several role ARNs; choose one with -RoleArn: {string.Join(", ", role.RoleArns)}."),
        };
    }

    /// <summary>
    /// The session policy: the role's document merged with the inline policies of its IAM groups, and its
    /// policy ARNs with the groups' attached ones (Vault's iam_groups for STS roles).
    /// </summary>
    private static async Task<(string? Policy, IReadOnlyList<string> Arns)> SessionPolicyAsync(IIamApi iam, Role role, CancellationToken ct)
    {
        var documents = new List<string>();
        if (role.PolicyDocument is not null)
        {
            documents.Add(role.PolicyDocument);
        }

        var arns = new List<string>(role.PolicyArns);
        foreach (var group in role.IamGroups)
        {
            var attached = iam.ListAttachedGroupPoliciesAsync(group, ct);
            var inlineNames = await iam.ListGroupPoliciesAsync(group, ct).ConfigureAwait(false);
            var inline = await Task.WhenAll(inlineNames.Select(n => iam.GetGroupPolicyAsync(group, n, ct))).ConfigureAwait(false);
            documents.AddRange(inline);
            arns.AddRange((await attached.ConfigureAwait(false)).Select(p => p.PolicyArn));
        }

        return (Merge(documents), arns.Distinct(StringComparer.Ordinal).ToList());
    }

    internal static string? Merge(IReadOnlyList<string> documents)
    {
        if (documents.Count <= 1)
        {
            return documents.Count == 0 ? null : documents[0];
        }

        var statements = new JsonArray();
        foreach (var document in documents)
        {
            var node = JsonNode.Parse(document)?["Statement"];
            foreach (var statement in node is JsonArray list ? list.ToList() : [node])
            {
                if (statement is not null)
                {
                    statements.Add(statement.DeepClone());
                }
            }
        }

        return new JsonObject { ["Version"] = "2012-10-17", ["Statement"] = statements }.ToJsonString(new JsonSerializerOptions
        {
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
    }
}
