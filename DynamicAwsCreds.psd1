@{
    RootModule           = 'DynamicAwsCreds.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f1d1b7e-9a0c-4d8e-b5c2-3a7e2f4d9c11'
    Author               = 'DynamicAwsCreds contributors'
    CompanyName          = 'DynamicAwsCreds'
    Copyright            = '(c) DynamicAwsCreds contributors. MIT License.'
    Description          = 'AWS credentials on demand, with a lease: what HashiCorp Vault''s AWS secrets engine does, without a Vault server. Issue a fresh IAM user and access key when you need it, pipe it into Set-AWSCredential, revoke it one at a time or a whole prefix at once.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    TypesToProcess       = @('DynamicAwsCreds.types.ps1xml')
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
        'Invoke-WithAwsCredential'
        'Get-Lease'
        'Update-Lease'
        'Revoke-Lease'
        'Get-AwsOrphanUser'
        'Remove-AwsOrphanUser'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('AWS', 'IAM', 'STS', 'Vault', 'Credentials', 'Secrets', 'Lease', 'PSEdition_Core', 'Linux', 'MacOS', 'Windows')
            ProjectUri   = 'https://github.com/dynamicawscreds/DynamicAwsCreds'
            LicenseUri   = 'https://github.com/dynamicawscreds/DynamicAwsCreds/blob/main/LICENSE'
            ReleaseNotes = '0.1.0: the Vault AWS walkthrough for iam_user roles: mounts, root config, roles, credentials, leases, revoke by id and prefix.'
        }
    }
}
