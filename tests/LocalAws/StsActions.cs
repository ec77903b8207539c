using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace LocalAws;

/// <summary>The STS actions. Every handler runs while holding the state lock and never waits.</summary>
internal static partial class StsActions
{
    private const int MaxSessionPolicyLength = 2048;
    private const int MaxSessionPolicyArns = 10;
    private const int RoleChainingLimitSeconds = 3600;

    public static readonly IReadOnlyDictionary<string, Func<IamContext, XElement?>> Handlers = new Dictionary<string, Func<IamContext, XElement?>>(StringComparer.Ordinal)
    {
        ["GetCallerIdentity"] = c => S("GetCallerIdentityResult",
            S("Arn", c.CallerArn),
            S("UserId", c.CallerUserId),
            S("Account", c.Account)),
        ["AssumeRole"] = AssumeRole,
        ["GetFederationToken"] = GetFederationToken,
        ["GetSessionToken"] = GetSessionToken,
    };

    [GeneratedRegex(@"^[\w+=,.@-]*$")]
    private static partial Regex SessionNamePattern();

    [GeneratedRegex(@"^[\w+=,.@:/-]*$")]
    private static partial Regex ExternalIdPattern();

    [GeneratedRegex(@"^[\w+=/:,.@-]*$")]
    private static partial Regex SerialPattern();

    [GeneratedRegex(@"^[\d]*$")]
    private static partial Regex TokenCodePattern();

    [GeneratedRegex(@"^arn:aws:iam::(\d{12}):role(/.*/|/)([^/]+)$")]
    private static partial Regex RoleArnPattern();

    private static XElement S(string name, params object?[] content) => new(LocalAwsServer.StsNs + name, content);

    private static AwsError Denied(string message) => new(403, "AccessDenied", message);

    // ---- AssumeRole ----------------------------------------------------------------------------

    private static XElement AssumeRole(IamContext c)
    {
        var roleArn = c.Required("RoleArn", "roleArn");
        c.OptString("RoleArn", "roleArn", 20, 2048);
        var sessionName = c.Required("RoleSessionName", "roleSessionName");
        c.OptString("RoleSessionName", "roleSessionName", 2, 64, SessionNamePattern(), @"[\w+=,.@-]*");
        var duration = c.IntRange("DurationSeconds", "durationSeconds", 900, 43200, fallback: 3600);
        var externalId = c.OptString("ExternalId", "externalId", 2, 1224, ExternalIdPattern(), @"[\w+=,.@:\/-]*");
        var sourceIdentity = c.OptString("SourceIdentity", "sourceIdentity", 2, 64, SessionNamePattern(), @"[\w+=,.@-]*");
        var (policy, policyArns) = SessionPolicies(c);
        var tags = c.Tags();
        c.Members("TransitiveTagKeys");
        var mfa = Mfa(c);

        var who = c.CallerArn;
        var denied = Denied($"User: {who} is not authorized to perform: sts:AssumeRole on resource: {roleArn}");

        // Federated users may call no STS action but GetCallerIdentity.
        if (c.Session?.Kind == SessionKind.FederatedUser)
        {
            throw denied;
        }

        // AWS answers an unknown role exactly like a role that does not trust the caller.
        var m = RoleArnPattern().Match(roleArn);
        if (!m.Success || m.Groups[1].Value != c.Account
            || !c.State.RolesByName.TryGetValue(m.Groups[3].Value, out var role)
            || !string.Equals(role.Arn(c.Account), roleArn, StringComparison.Ordinal))
        {
            throw denied;
        }

        var caller = TrustCallerFor(c, sessionName, externalId, sourceIdentity, mfa);
        Trust(c, role, "sts:AssumeRole", caller, denied);
        if (tags.Count > 0)
        {
            Trust(c, role, "sts:TagSession", caller, Denied($"User: {who} is not authorized to perform: sts:TagSession on resource: {roleArn}"));
        }

        if (sourceIdentity is not null)
        {
            Trust(c, role, "sts:SetSourceIdentity", caller, Denied($"User: {who} is not authorized to perform: sts:SetSourceIdentity on resource: {roleArn}"));
        }

        var chained = c.Session?.Kind == SessionKind.AssumedRole;
        if (chained && duration > RoleChainingLimitSeconds)
        {
            throw new AwsError(400, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
        }

        if (duration > role.MaxSessionDuration)
        {
            throw new AwsError(400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
        }

        var packed = PackedPolicySize(policy, policyArns, tags);
        var session = Issue(c, SessionKind.AssumedRole, duration, sessionName, user: null, role, policy, policyArns, tags,
            mfa: mfa || c.Session?.Mfa == true, chained);
        role.LastUsed = c.Now;

        return S("AssumeRoleResult",
            sourceIdentity is null ? null : S("SourceIdentity", sourceIdentity),
            S("AssumedRoleUser", S("Arn", session.Arn(c.Account)), S("AssumedRoleId", session.UserId(c.Account))),
            CredentialsXml(session),
            packed is null ? null : S("PackedPolicySize", packed.Value.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>The principal a trust policy sees: its ARNs, account and the condition keys STS sets.</summary>
    private static TrustCaller TrustCallerFor(IamContext c, string sessionName, string? externalId, string? sourceIdentity, bool mfa)
    {
        var arns = new List<string>();
        var context = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["sts:RoleSessionName"] = sessionName,
            ["aws:PrincipalAccount"] = c.Account,
            ["aws:userid"] = c.CallerUserId,
        };

        if (c.Session is { Kind: SessionKind.AssumedRole } s)
        {
            var roleArn = $"arn:aws:iam::{c.Account}:role{s.RolePath}{s.RoleName}";
            arns.Add(roleArn);
            arns.Add(s.Arn(c.Account));
            context["aws:PrincipalArn"] = roleArn;
            context["aws:PrincipalType"] = "AssumedRole";
        }
        else if (c.Caller is { } user)
        {
            arns.Add(user.Arn(c.Account));
            context["aws:PrincipalArn"] = user.Arn(c.Account);
            context["aws:PrincipalType"] = "User";
            context["aws:username"] = user.Name;
        }

        // aws:MultiFactorAuthPresent is absent for long-term credentials unless MFA is presented with this call.
        if (mfa || c.Session is not null)
        {
            context["aws:MultiFactorAuthPresent"] = mfa || c.Session?.Mfa == true ? "true" : "false";
        }

        if (externalId is not null)
        {
            context["sts:ExternalId"] = externalId;
        }

        if (sourceIdentity is not null)
        {
            context["sts:SourceIdentity"] = sourceIdentity;
        }

        return new TrustCaller(c.Account, arns, context);
    }

    /// <summary>
    /// Same-account role trust: the trust policy must allow the action and not deny it; when it names only the
    /// account, the caller's own policies must allow the action too.
    /// </summary>
    private static void Trust(IamContext c, RoleEntity role, string action, TrustCaller caller, AwsError denied)
    {
        var trust = TrustPolicy.Evaluate(role.TrustPolicy, action, caller, c.Now);
        var demand = new Demand(action, role.Arn(c.Account), role.Arn(c.Account));
        if (trust is TrustDecision.NotAllowed or TrustDecision.ExplicitDeny
            || Access.Refusal(c, demand, onlyExplicitDeny: true) is not null
            || (trust == TrustDecision.AllowedAccount && Access.Refusal(c, demand) is not null))
        {
            throw denied;
        }
    }

    // ---- GetFederationToken --------------------------------------------------------------------

    private static XElement GetFederationToken(IamContext c)
    {
        var name = c.Required("Name", "name");
        c.OptString("Name", "name", 2, 32, SessionNamePattern(), @"[\w+=,.@-]*");
        var duration = c.IntRange("DurationSeconds", "durationSeconds", 900, 129600, fallback: 43200);
        var (policy, policyArns) = SessionPolicies(c);
        var tags = c.Tags();
        var user = c.Caller ?? throw Denied($"Cannot call {c.Action} with session credentials");

        var packed = PackedPolicySize(policy, policyArns, tags);
        var session = Issue(c, SessionKind.FederatedUser, duration, name, user, role: null, policy, policyArns, tags, mfa: false, chained: false);
        return S("GetFederationTokenResult",
            CredentialsXml(session),
            S("FederatedUser", S("Arn", session.Arn(c.Account)), S("FederatedUserId", session.UserId(c.Account))),
            packed is null ? null : S("PackedPolicySize", packed.Value.ToString(CultureInfo.InvariantCulture)));
    }

    // ---- GetSessionToken -----------------------------------------------------------------------

    private static XElement GetSessionToken(IamContext c)
    {
        var duration = c.IntRange("DurationSeconds", "durationSeconds", 900, 129600, fallback: 43200);
        var mfa = Mfa(c);
        var user = c.Caller ?? throw Denied($"Cannot call {c.Action} with session credentials");
        var session = Issue(c, SessionKind.SessionToken, duration, user.Name, user, role: null, policy: null, [], [], mfa, chained: false);
        return S("GetSessionTokenResult", CredentialsXml(session));
    }

    // ---- shared --------------------------------------------------------------------------------

    /// <summary>
    /// SerialNumber + TokenCode: the device must be an MFA device of the calling IAM user; any well-formed
    /// six-digit code is accepted. Returns true when MFA was presented.
    /// </summary>
    private static bool Mfa(IamContext c)
    {
        var serial = c.OptString("SerialNumber", "serialNumber", 9, 256, SerialPattern(), @"[\w+=/:,.@-]*");
        var code = c.OptString("TokenCode", "tokenCode", 6, 6, TokenCodePattern(), @"[\d]*");
        if (serial is null)
        {
            return false;
        }

        var user = c.Caller;
        if (user is null || !user.MfaDevices.Any(d => string.Equals(d.Serial, serial, StringComparison.Ordinal)))
        {
            throw Denied("MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.");
        }

        return code is not null ? true : throw Denied("MultiFactorAuthentication failed with invalid MFA one time pass code.");
    }

    /// <summary>Policy (inline session policy, ≤ 2048 characters, a valid policy) and PolicyArns.member.N.arn (≤ 10).</summary>
    private static (string? Policy, List<string> Arns) SessionPolicies(IamContext c)
    {
        var policy = c.OptString("Policy", "policy", 1, MaxSessionPolicyLength);
        if (policy is not null)
        {
            PolicyEvaluator.Validate(policy);
        }

        var arns = new List<string>();
        var byIndex = c.P
            .Where(p => p.Key.StartsWith("PolicyArns.member.", StringComparison.Ordinal) && p.Key.EndsWith(".arn", StringComparison.Ordinal))
            .Select(p => (Index: int.TryParse(p.Key["PolicyArns.member.".Length..^".arn".Length], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1, p.Value))
            .Where(p => p.Index >= 0)
            .OrderBy(p => p.Index);
        var i = 0;
        foreach (var (_, arn) in byIndex)
        {
            i++;
            var member = $"policyArns.{i}.member.arn";
            if (arn.Length < 20)
            {
                throw IamContext.Validation($"Value '{arn}' at '{member}' failed to satisfy constraint: Member must have length greater than or equal to 20");
            }

            if (arn.Length > 2048)
            {
                throw IamContext.Validation($"Value '{arn}' at '{member}' failed to satisfy constraint: Member must have length less than or equal to 2048");
            }

            arns.Add(arn);
        }

        if (arns.Count > MaxSessionPolicyArns)
        {
            throw IamContext.Validation($"Value '[{string.Join(", ", arns)}]' at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to {MaxSessionPolicyArns}");
        }

        return (policy, arns);
    }

    /// <summary>
    /// An estimate of AWS's PackedPolicySize (a percentage of the packed space the session policies and tags use):
    /// their characters without whitespace against 2048. Null when none was passed (AWS then omits it).
    /// </summary>
    private static int? PackedPolicySize(string? policy, List<string> arns, List<KeyValuePair<string, string>> tags)
    {
        if (policy is null && arns.Count == 0 && tags.Count == 0)
        {
            return null;
        }

        var size = (policy is null ? 0 : PolicyEvaluator.QuotaSize(policy)) + arns.Sum(a => a.Length) + tags.Sum(t => t.Key.Length + t.Value.Length);
        var percent = Math.Max(1, (int)Math.Ceiling(size * 100.0 / 2048));
        if (percent > 100)
        {
            throw new AwsError(400, "PackedPolicyTooLarge", $"Packed policy consumes {percent}% of allotted space, please use smaller policy.");
        }

        return percent;
    }

    private static SessionEntity Issue(IamContext c, SessionKind kind, int durationSeconds, string name, UserEntity? user, RoleEntity? role,
        string? policy, List<string> policyArns, List<KeyValuePair<string, string>> tags, bool mfa, bool chained)
    {
        string id;
        do
        {
            id = IamState.NewId("ASIA", 16);
        }
        while (c.State.SessionsByKeyId.ContainsKey(id) || c.State.KeysById.ContainsKey(id));

        var session = new SessionEntity
        {
            Kind = kind,
            AccessKeyId = id,
            Secret = IamState.NewSecret(40),
            Token = IamState.NewSessionToken(),
            Issued = c.Now,
            Expiration = c.Now.AddSeconds(durationSeconds),
            Name = name,
            User = user,
            Role = role,
            RoleName = role?.Name,
            RoleId = role?.Id,
            RolePath = role?.Path,
            Policy = policy,
            Mfa = mfa,
            Chained = chained,
        };
        session.PolicyArns.AddRange(policyArns);
        session.Tags.AddRange(tags);
        c.State.SessionsByKeyId.Add(id, session);
        return session;
    }

    private static XElement CredentialsXml(SessionEntity s) => S("Credentials",
        S("AccessKeyId", s.AccessKeyId),
        S("SecretAccessKey", s.Secret),
        S("SessionToken", s.Token),
        S("Expiration", IamContext.Date(s.Expiration)));
}
