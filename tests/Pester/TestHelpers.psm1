# Shared by the Pester tests: a temporary store per test, a fresh pwsh to run the built module in, and LocalAws
# (both started through tests/Common/DynamicAwsCreds.TestHost.psm1, called through LocalAws.psm1).
Import-Module (Join-Path $PSScriptRoot '../Common/DynamicAwsCreds.TestHost.psm1') -Force
Import-Module (Join-Path $PSScriptRoot 'LocalAws.psm1') -Force

function Get-TestModulePath { $env:DYNAMICAWSCREDS_TEST_MODULE }

function New-TestStore {
    $folder = Join-Path ([IO.Path]::GetTempPath()) "dac-test-$([guid]::NewGuid().ToString('n'))"
    Join-Path $folder 'store.db'
}

function Remove-TestStore([string] $StorePath) {
    $folder = Split-Path $StorePath
    if (Test-Path $folder) { Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue }
}

<#
.SYNOPSIS
    Starts LocalAws for a test file. -EventuallyConsistent makes it as eventually consistent as IAM: every new user,
    policy, group membership and access key reaches other calls after a random 0-2 s, and a new key is refused for 2 s.
#>
function Start-TestLocalAws([string[]] $ArgumentList = @(), [switch] $EventuallyConsistent) {
    # DYNAMICAWSCREDS_TEST_STRICT=1 runs every test file against an eventually consistent LocalAws.
    if ($EventuallyConsistent -or $env:DYNAMICAWSCREDS_TEST_STRICT -eq '1') {
        $ArgumentList = @('--consistency-delay-ms', '2000', '--key-propagation-ms', '2000') + $ArgumentList
    }
    Start-LocalAws -LocalAwsDll $env:DYNAMICAWSCREDS_TEST_LOCALAWS -ArgumentList $ArgumentList
}

<#
.SYNOPSIS
    Runs -Condition until it returns true (an error counts as false), as a check on eventually consistent IAM must;
    throws after -TimeoutSeconds with -Because and the last error.
#>
function Wait-Until {
    param(
        [Parameter(Mandatory, Position = 0)] [scriptblock] $Condition,
        [Parameter(Mandatory)] [string] $Because,
        [int] $TimeoutSeconds = 15
    )
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    $last = $null
    while ($true) {
        try { if (& $Condition) { return } }
        catch { $last = $_ }
        if ([DateTime]::UtcNow -ge $deadline) { throw "Not so after $TimeoutSeconds s: $Because. $last" }
        Start-Sleep -Milliseconds 100
    }
}

<#
.SYNOPSIS
    Makes a temporary store the session's (DYNAMICAWSCREDS_STORE), enables the aws mount in it with root keys
    for the given LocalAws, and returns the store's path.
#>
function Initialize-TestStore($Server) {
    $store = New-TestStore
    $env:DYNAMICAWSCREDS_STORE = $store
    Enable-SecretsEngine aws | Out-Null
    Set-AwsRootConfig -AccessKey $Server.RootAccessKey -SecretKey $Server.RootSecretKey -IamEndpoint $Server.Endpoint -StsEndpoint $Server.Endpoint
    $store
}

# A child's environment: -Environment's variables, with DYNAMICAWSCREDS_STORE naming the store.
function Join-StoreEnvironment([hashtable] $Environment, [string] $StorePath) {
    $all = @{} + $Environment
    $all.DYNAMICAWSCREDS_STORE = $StorePath
    $all
}

<#
.SYNOPSIS
    Runs a script in a new pwsh process with the built module imported and the given store, as a user
    in a new terminal would. Returns what the script wrote, deserialized (CLIXML), and throws with the
    process's errors when it fails. -Environment is added to the process's environment (a shared store's host id,
    its AWS keys).
#>
function Invoke-FreshPwsh {
    param(
        [Parameter(Mandatory)] [string] $StorePath,
        [Parameter(Mandatory)] [string] $Script,
        [hashtable] $Variables = @{},
        [hashtable] $Environment = @{}
    )
    $prelude = @(
        '$ErrorActionPreference = ''Stop'''
        "Import-Module '$((Get-TestModulePath) -replace "'", "''")'"
    )
    foreach ($name in $Variables.Keys) {
        $json = ($Variables[$name] | ConvertTo-Json -Compress -Depth 5) -replace "'", "''"
        $prelude += "`$$name = '$json' | ConvertFrom-Json"
    }
    $file = Join-Path ([IO.Path]::GetTempPath()) "dac-fresh-$([guid]::NewGuid().ToString('n')).ps1"
    $outFile = "$file.xml"
    Set-Content -Path $file -Value (($prelude -join "`n") + "`n& {`n$Script`n} | Export-Clixml -Path '$outFile' -Depth 4")
    try {
        $run = Invoke-Pwsh -File $file -Environment (Join-StoreEnvironment $Environment $StorePath)
        if ($run.ExitCode -ne 0) { throw "Fresh pwsh failed (exit $($run.ExitCode)): $($run.StdOut)$($run.StdErr)" }
        if (Test-Path $outFile) { Import-Clixml $outFile }
    }
    finally {
        Remove-Item $file, $outFile -ErrorAction SilentlyContinue
    }
}

<#
.SYNOPSIS
    Starts a script in a new pwsh process with the built module imported and the given store, without waiting
    (for crash and concurrency tests). Returns Start-Pwsh's Process (notes StdOut and StdErr: tasks with all it
    wrote) with a note ScriptFile: the script's file, which the caller removes. -Environment is added to the
    process's environment.
#>
function Start-FreshPwsh {
    param(
        [Parameter(Mandatory)] [string] $StorePath,
        [Parameter(Mandatory)] [string] $Script,
        [hashtable] $Environment = @{}
    )
    $file = Join-Path ([IO.Path]::GetTempPath()) "dac-bg-$([guid]::NewGuid().ToString('n')).ps1"
    Set-Content -Path $file -Value ("`$ErrorActionPreference = 'Stop'`nImport-Module '$((Get-TestModulePath) -replace "'", "''")'`n" + $Script)
    $process = Start-Pwsh -File $file -Environment (Join-StoreEnvironment $Environment $StorePath)
    $process | Add-Member -NotePropertyName ScriptFile -NotePropertyValue $file
    $process
}

# Every page of ListUsers: IAM returns at most 100 users a call (IsTruncated, then Marker), so a test holding 100
# leases beside the root user would otherwise miss a user.
function Get-VaultUserNames($Server) {
    $parameters = @{}
    @(do {
            $result = (Invoke-LocalIam -Server $Server -Action ListUsers -Parameters $parameters).ListUsersResponse.ListUsersResult
            $result.Users.member | Where-Object { $_ -and $_.UserName -like 'vault-*' } | ForEach-Object UserName
            $parameters = @{ Marker = "$($result.Marker)" }
        } while ($result.IsTruncated -eq 'true'))
}

<#
.SYNOPSIS
    Removes every vault-* IAM user from a LocalAws with plain IAM calls (the module itself refuses users other
    stores made, as it should).
#>
function Clear-VaultUsers($Server) {
    foreach ($user in Get-VaultUserNames $Server) {
        # A round lists what IAM shows and deletes it; DeleteUser meets DeleteConflict while a new key, policy or
        # membership has not reached the Lists yet, so the rounds go on until the user is gone.
        Wait-Until -Because "IAM user $user can be deleted" { Remove-IamUserByHand $Server $user; $true }
    }
}

# One round of deleting an IAM user as a person would: what the Lists show, then the user.
function Remove-IamUserByHand($Server, [string] $UserName) {
    $p = @{ UserName = $UserName }
    $keys = (Invoke-LocalIam -Server $Server -Action ListAccessKeys -Parameters $p).ListAccessKeysResponse.ListAccessKeysResult.AccessKeyMetadata.member
    foreach ($k in @($keys | Where-Object { $_ })) { Invoke-LocalIam -Server $Server -Action DeleteAccessKey -Parameters @{ UserName = $UserName; AccessKeyId = $k.AccessKeyId } | Out-Null }
    $inline = (Invoke-LocalIam -Server $Server -Action ListUserPolicies -Parameters $p).ListUserPoliciesResponse.ListUserPoliciesResult.PolicyNames.member
    foreach ($name in @($inline | Where-Object { $_ })) { Invoke-LocalIam -Server $Server -Action DeleteUserPolicy -Parameters @{ UserName = $UserName; PolicyName = $name } | Out-Null }
    $attached = (Invoke-LocalIam -Server $Server -Action ListAttachedUserPolicies -Parameters $p).ListAttachedUserPoliciesResponse.ListAttachedUserPoliciesResult.AttachedPolicies.member
    foreach ($a in @($attached | Where-Object { $_ })) { Invoke-LocalIam -Server $Server -Action DetachUserPolicy -Parameters @{ UserName = $UserName; PolicyArn = $a.PolicyArn } | Out-Null }
    $groups = (Invoke-LocalIam -Server $Server -Action ListGroupsForUser -Parameters $p).ListGroupsForUserResponse.ListGroupsForUserResult.Groups.member
    foreach ($g in @($groups | Where-Object { $_ })) { Invoke-LocalIam -Server $Server -Action RemoveUserFromGroup -Parameters @{ UserName = $UserName; GroupName = $g.GroupName } | Out-Null }
    Invoke-LocalIam -Server $Server -Action DeleteUser -Parameters $p | Out-Null
}

<#
.SYNOPSIS
    Runs several scripts in fresh pwsh processes on one store, released at the same moment once every one has
    loaded the module and opened the store. Returns one object per script: ExitCode, StdOut, StdErr.
    -Environments: the environment added to each script's process, by position (each host's id on a shared store).
#>
function Invoke-AtOnce {
    param(
        [Parameter(Mandatory)] [string] $StorePath,
        [Parameter(Mandatory)] [string[]] $Scripts,
        [hashtable[]] $Environments = @(),
        [int] $TimeoutSeconds = 240
    )
    # A shared store's location is no folder: the gate then lives in the temporary folder.
    $folder = if ($StorePath -match '^[a-z]+://') { [IO.Path]::GetTempPath() } else { Split-Path $StorePath }
    $gate = Join-Path $folder "gate-$([guid]::NewGuid().ToString('n'))"
    New-Item -ItemType Directory -Path $gate -Force | Out-Null
    $processes = for ($i = 0; $i -lt $Scripts.Count; $i++) {
        $body = $Scripts[$i]
        $environment = if ($i -lt $Environments.Count) { $Environments[$i] } else { @{} }
        Start-FreshPwsh -StorePath $StorePath -Environment $environment -Script @"
Get-SecretsEngine | Out-Null
New-Item -ItemType File -Path ('$gate/ready-' + `$PID) | Out-Null
while (-not (Test-Path '$gate/go')) { Start-Sleep -Milliseconds 20 }
$body
"@
    }
    try {
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while (@(Get-ChildItem $gate -Filter 'ready-*').Count -lt $Scripts.Count -and -not ($processes | Where-Object HasExited) -and [DateTime]::UtcNow -lt $deadline) {
            Start-Sleep -Milliseconds 100
        }
        New-Item -ItemType File -Path (Join-Path $gate 'go') | Out-Null
        foreach ($p in $processes) {
            $null = $p.WaitForExit([Math]::Max(1000, ($deadline - [DateTime]::UtcNow).TotalMilliseconds))
            [pscustomobject]@{ ExitCode = if ($p.HasExited) { $p.ExitCode } else { -1 }; StdOut = $p.StdOut.Result; StdErr = $p.StdErr.Result }
        }
    }
    finally {
        foreach ($p in $processes) {
            if (-not $p.HasExited) { $p.Kill() }
            Remove-Item $p.ScriptFile -ErrorAction SilentlyContinue
        }
        Remove-Item $gate -Recurse -Force -ErrorAction SilentlyContinue
    }
}

# The type of Set-AWSCredential's -Credential in the stand-in below.
class AWSCredentials { }

<#
.SYNOPSIS
    A stand-in for AWS Tools' Set-AWSCredential: its parameters and sets as AWS Tools for PowerShell declares them
    (AWSCredentialsArgumentsFull.cs, CredentialsCmdlet.cs). It reports the parameter set and what bound.
#>
function Set-AWSCredential {
    [CmdletBinding(DefaultParameterSetName = 'BasicOrSession')]
    param(
        [Alias('AK')] [Parameter(ParameterSetName = 'BasicOrSession', Mandatory, ValueFromPipelineByPropertyName)] [string] $AccessKey,
        [Alias('SK', 'SecretAccessKey')] [Parameter(ParameterSetName = 'BasicOrSession', Mandatory, ValueFromPipelineByPropertyName)] [string] $SecretKey,
        [Alias('ST')] [Parameter(ParameterSetName = 'BasicOrSession', ValueFromPipelineByPropertyName)] [string] $SessionToken,
        [Parameter(ParameterSetName = 'AssumeRole', ValueFromPipelineByPropertyName)] [string] $ExternalID,
        [Parameter(ParameterSetName = 'AssumeRole', ValueFromPipelineByPropertyName)] [string] $MfaSerial,
        [Parameter(ParameterSetName = 'AssumeRole', Mandatory, ValueFromPipelineByPropertyName)] [string] $RoleArn,
        [Parameter(ParameterSetName = 'AssumeRole', Mandatory, ValueFromPipelineByPropertyName)] [string] $SourceProfile,
        [Alias('StoredCredentials', 'AWSProfileName')] [Parameter(ParameterSetName = 'StoredProfile', Mandatory, ValueFromPipelineByPropertyName)] [string] $ProfileName,
        [Parameter(ParameterSetName = 'StoredProfile', ValueFromPipelineByPropertyName)] [pscredential] $NetworkCredential,
        [Parameter(ParameterSetName = 'AWSCredentials', Mandatory, ValueFromPipeline)] [AWSCredentials] $Credential,
        [Alias('AWSProfilesLocation', 'ProfilesLocation')] [Parameter(ValueFromPipelineByPropertyName)] [string] $ProfileLocation,
        [Parameter(ValueFromPipelineByPropertyName)] [string] $StoreAs,
        [Parameter(ValueFromPipelineByPropertyName)] [string] $Scope
    )
    process { [pscustomobject]@{ Set = $PSCmdlet.ParameterSetName; Bound = @($PSBoundParameters.Keys | Sort-Object); Values = @{} + $PSBoundParameters } }
}

Export-ModuleMember -Function *
