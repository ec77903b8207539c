@{
    RootModule           = 'DynamicAwsCreds.dll'
    ModuleVersion        = '0.2.0'
    GUID                 = '6f1d1b7e-9a0c-4d8e-b5c2-3a7e2f4d9c11'
    Author               = 'DynamicAwsCreds contributors'
    CompanyName          = 'DynamicAwsCreds'
    Copyright            = '(c) DynamicAwsCreds contributors. MIT License.'
    Description          = 'AWS credentials on demand, with a lease: what HashiCorp Vault''s AWS secrets engine does, without a Vault server. Issue a fresh IAM user and access key when you need it, pipe it into Set-AWSCredential, revoke it one at a time or a whole prefix at once.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('DynamicAwsCreds.format.ps1xml')
    CmdletsToExport      = @(
        'Enable-SecretsEngine'
        'Get-SecretsEngine'
        'Disable-SecretsEngine'
        'Set-AwsRootConfig'
        'Get-AwsRootConfig'
        'Update-AwsRootCredential'
        'Set-AwsLeaseConfig'
        'Get-AwsLeaseConfig'
        'Set-AwsRole'
        'Get-AwsRole'
        'Remove-AwsRole'
        'Set-AwsStaticRole'
        'Get-AwsStaticRole'
        'Remove-AwsStaticRole'
        'Get-AwsStaticCredential'
        'Update-AwsStaticCredential'
        'Get-AwsCredential'
        'Export-AwsCredential'
        'Register-AwsCredentialProfile'
        'Unregister-AwsCredentialProfile'
        'Invoke-WithAwsCredential'
        'Get-Lease'
        'Update-Lease'
        'Revoke-Lease'
        'Get-AwsOrphanUser'
        'Remove-AwsOrphanUser'
        'Copy-LeaseStore'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('AWS', 'IAM', 'STS', 'Vault', 'Credentials', 'Secrets', 'Lease', 'PSEdition_Core', 'Linux', 'MacOS', 'Windows')
            ProjectUri   = 'https://github.com/dynamicawscreds/DynamicAwsCreds'
            LicenseUri   = 'https://github.com/dynamicawscreds/DynamicAwsCreds/blob/main/LICENSE'
            ReleaseNotes = @'
0.2.0
- Shared stores: DYNAMICAWSCREDS_STORE=dynamodb://<table>?region=<r> keeps mounts, roles and leases in one DynamoDB table that several hosts use at once; root keys in a shared store are sealed with AWS KMS (Set-AwsRootConfig -KmsKeyId) or come from each host's default credential chain.
- Claims: every issue, revoke, sweep and recovery claims its lease with the host's id and a heartbeat deadline (DYNAMICAWSCREDS_HOST_ID, DYNAMICAWSCREDS_INTENT_DEADLINE), so hosts never revoke a lease another live host holds, and take over the leases of hosts that died.
- Static roles, as Vault's aws/static-roles: Set-AwsStaticRole, Get-AwsStaticRole, Remove-AwsStaticRole, Get-AwsStaticCredential and Update-AwsStaticCredential rotate the access key of an existing IAM user on a period.
- Vault parity: assumed_role sessions named as Vault names them (vault-<display name>-<role>-<unix time>-<random>); federation_token and session_token credentials up to AWS's 36 hours; session_tags and external_id only on assumed_role roles, and a role with several problems refused once listing them all; username templates with Go's with, range, variables, len and lt/le/gt/ge, truncate counting bytes as Vault does.
- Published with a LICENSE (MIT).

0.1.0
- The Vault AWS walkthrough for iam_user roles: mounts, root config, roles, credentials, leases, revoke by id and prefix.
'@
        }
    }
}
