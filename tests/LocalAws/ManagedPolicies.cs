using System.Security.Cryptography;
using System.Text;

namespace LocalAws;

/// <summary>
/// The AWS-managed policies LocalAws knows. Their ARNs are AWS's; their documents are deliberately small
/// stand-ins with the same intent (read-only, administrator, …), enough for the minimal evaluator.
/// </summary>
internal static class ManagedPolicies
{
    private static string Allow(params string[] actions) =>
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":["
        + string.Join(',', actions.Select(a => "\"" + a + "\""))
        + "],\"Resource\":\"*\"}]}";

    public static IEnumerable<ManagedPolicyEntity> Create()
    {
        var readOnly = Allow("*:Describe*", "*:Get*", "*:List*", "*:BatchGet*");
        (string path, string name, string doc, string description)[] defs =
        [
            ("/", "AdministratorAccess", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}", "Provides full access to AWS services and resources."),
            ("/", "PowerUserAccess",
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"NotAction\":[\"iam:*\",\"organizations:*\",\"account:*\"],\"Resource\":\"*\"},"
                + "{\"Effect\":\"Allow\",\"Action\":[\"iam:CreateServiceLinkedRole\",\"iam:DeleteServiceLinkedRole\",\"iam:ListRoles\",\"organizations:DescribeOrganization\",\"account:ListRegions\",\"account:GetAccountInformation\"],\"Resource\":\"*\"}]}",
                "Provides full access to AWS services and resources, but does not allow management of Users and groups."),
            ("/", "ReadOnlyAccess", readOnly, "Provides read-only access to AWS services and resources."),
            ("/", "IAMReadOnlyAccess", Allow("iam:GenerateCredentialReport", "iam:GenerateServiceLastAccessedDetails", "iam:Get*", "iam:List*", "iam:SimulateCustomPolicy", "iam:SimulatePrincipalPolicy"), "Provides read only access to IAM via the AWS Management Console."),
            ("/", "IAMFullAccess", Allow("iam:*", "organizations:DescribeAccount", "organizations:DescribeOrganization", "organizations:DescribeOrganizationalUnit", "organizations:DescribePolicy", "organizations:ListChildren", "organizations:ListParents", "organizations:ListPoliciesForTarget", "organizations:ListRoots", "organizations:ListPolicies", "organizations:ListTargetsForPolicy"), "Provides full access to IAM via the AWS Management Console."),
            ("/", "IAMUserChangePassword", Allow("iam:ChangePassword", "iam:GetAccountPasswordPolicy"), "Provides the ability for an IAM user to change their own password."),
            ("/", "AmazonS3ReadOnlyAccess", Allow("s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*", "s3-object-lambda:List*"), "Provides read only access to all buckets via the AWS Management Console."),
            ("/", "AmazonS3FullAccess", Allow("s3:*", "s3-object-lambda:*"), "Provides full access to all buckets via the AWS Management Console."),
            ("/", "AmazonEC2ReadOnlyAccess", Allow("ec2:Describe*", "elasticloadbalancing:Describe*", "cloudwatch:ListMetrics", "cloudwatch:GetMetricStatistics", "cloudwatch:Describe*", "autoscaling:Describe*"), "Provides read only access to Amazon EC2 via the AWS Management Console."),
            ("/", "AmazonEC2FullAccess", Allow("ec2:*", "elasticloadbalancing:*", "cloudwatch:*", "autoscaling:*"), "Provides full access to Amazon EC2 via the AWS Management Console."),
            ("/", "SecurityAudit", Allow("iam:GenerateCredentialReport", "iam:Get*", "iam:List*", "iam:SimulateCustomPolicy", "iam:SimulatePrincipalPolicy", "*:Describe*", "s3:GetBucket*", "s3:ListAllMyBuckets", "s3:ListBucket", "cloudtrail:LookupEvents"), "The security audit template grants access to read security configuration metadata."),
            ("/job-function/", "ViewOnlyAccess", Allow("*:List*", "*:Describe*", "iam:GetAccountSummary", "iam:GetAccountPasswordPolicy", "iam:GetLoginProfile"), "This policy grants permissions to view resources and basic metadata across all AWS services."),
        ];

        var created = new DateTime(2015, 2, 6, 18, 39, 46, DateTimeKind.Utc);
        foreach (var (path, name, doc, description) in defs)
        {
            var arn = $"arn:aws:iam::aws:policy{path}{name}";
            yield return new ManagedPolicyEntity
            {
                Name = name,
                Path = path,
                Arn = arn,
                Id = StableId(arn),
                Document = doc,
                Created = created,
                Description = description,
                AwsManaged = true,
            };
        }
    }

    private static string StableId(string arn)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(arn));
        var sb = new StringBuilder("ANPA");
        for (var i = 0; i < 17; i++)
        {
            sb.Append(alphabet[hash[i] % alphabet.Length]);
        }

        return sb.ToString();
    }
}
