<#
.SYNOPSIS
    Vault's AWS secrets engine walkthrough (secrets enable, roles, config/root, creds, lease revoke), step for step,
    with DynamicAwsCreds against LocalAws.
    build.ps1 -Task Demo starts LocalAws and runs this in a fresh pwsh.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $Endpoint,
    [Parameter(Mandatory)] [string] $AccessKey,
    [Parameter(Mandatory)] [string] $SecretKey,
    [Parameter(Mandatory)] [string] $StorePath
)
$ErrorActionPreference = 'Stop'
$env:DYNAMICAWSCREDS_STORE = $StorePath
Import-Module $ModulePath
Import-Module (Join-Path $PSScriptRoot '../Pester/LocalAws.psm1')
$iam = [pscustomobject]@{ Endpoint = $Endpoint.TrimEnd('/'); RootAccessKey = $AccessKey; RootSecretKey = $SecretKey }

function Show-VaultUsers {
    $users = (Invoke-LocalIam -Server $iam -Action ListUsers).ListUsersResponse.ListUsersResult.Users.member |
        Where-Object { $_ -and $_.UserName -like 'vault-*' }
    if ($users) { $users | Select-Object UserName, CreateDate | Format-Table | Out-Host } else { Write-Host '(no vault-* IAM users)' }
}

function Step([string] $Vault, [string] $PowerShell, [scriptblock] $Action) {
    Write-Host ''
    Write-Host "# vault: $Vault" -ForegroundColor DarkGray
    Write-Host "PS> $PowerShell" -ForegroundColor Yellow
    $output = & $Action
    if ($null -ne $output) { $output | Out-Host }
}

Write-Host "DynamicAwsCreds walkthrough against LocalAws at $Endpoint (store: $StorePath)" -ForegroundColor Cyan

Step 'vault secrets enable aws' 'Enable-SecretsEngine aws' {
    Enable-SecretsEngine aws
}
Step 'vault write aws/roles/developer-access policy_arns=arn:aws:iam::aws:policy/ReadOnlyAccess' `
    'Set-AwsRole developer-access -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess -PassThru' {
    Set-AwsRole developer-access -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess -PassThru
}
Step 'vault write aws/config/root access_key=... secret_key=...' `
    "Set-AwsRootConfig -AccessKey $AccessKey -SecretKey ******** -IamEndpoint $Endpoint -StsEndpoint $Endpoint -PassThru" {
    Set-AwsRootConfig -AccessKey $AccessKey -SecretKey $SecretKey -IamEndpoint $Endpoint -StsEndpoint $Endpoint -PassThru
}
$script:cred = $null
Step 'vault read aws/creds/developer-access' '$cred = Get-AwsCredential developer-access; $cred' {
    $script:cred = Get-AwsCredential developer-access
    $script:cred | Format-List LeaseId, LeaseDuration, Renewable, AccessKey, @{ n = 'SecretKey'; e = { $_.SecretKey.Substring(0, 4) + '…(hidden)' } }, Expiration, UserName
}
Step '(what IAM now holds, asked through LocalAws''s IAM API)' 'aws iam list-users' { Show-VaultUsers }
Step '(a few more, to revoke by prefix below)' '1..2 | ForEach-Object { Get-AwsCredential developer-access } | Format-Table' {
    1..2 | ForEach-Object { Get-AwsCredential developer-access } | Format-Table
}
Step 'vault list sys/leases/lookup/aws/creds/developer-access' 'Get-Lease -Prefix aws/creds/developer-access' {
    Get-Lease -Prefix aws/creds/developer-access
}
Step "vault lease revoke $($script:cred.LeaseId)" "Revoke-Lease $($script:cred.LeaseId)" {
    Revoke-Lease $script:cred.LeaseId
}
Step 'vault lease revoke -prefix aws/creds/developer-access' 'Revoke-Lease -Prefix aws/creds/developer-access' {
    Revoke-Lease -Prefix aws/creds/developer-access
}
Step '(nothing is left)' 'Get-Lease -Prefix aws/creds/developer-access; Get-SecretsEngine; aws iam list-users' {
    Get-Lease -Prefix aws/creds/developer-access | Out-Host
    Get-SecretsEngine | Out-Host
    Show-VaultUsers
}
Write-Host ''
Write-Host 'Walkthrough complete.' -ForegroundColor Green
