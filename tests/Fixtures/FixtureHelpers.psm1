# Helpers for tests/Pester/SideBySide.Tests.ps1 and Publish.Tests.ps1: build the OldAwsSdkModule fixture, and
# run a script in a new pwsh process that imports exactly what the script says, in the order it says
# (TestHelpers.psm1's Invoke-FreshPwsh always imports DynamicAwsCreds first).
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot '../Common/DynamicAwsCreds.TestHost.psm1')

function New-FixtureTempFolder([string] $Prefix = 'dac-fixture') {
    $folder = Join-Path ([IO.Path]::GetTempPath()) "$Prefix-$([guid]::NewGuid().ToString('n'))"
    New-Item -ItemType Directory -Path $folder -Force | Out-Null
    $folder
}

<#
.SYNOPSIS
    Publishes tests/Fixtures/OldAwsSdkModule (dotnet publish) into <Destination>/OldAwsSdkModule, so its dll,
    its AWSSDK.Core.dll (3.7.x) and its manifest sit in one folder, as AWS Tools for PowerShell ships.
    Returns the module folder.
#>
function Publish-OldAwsSdkModule {
    param([Parameter(Mandatory)] [string] $Destination)
    $project = Join-Path $PSScriptRoot 'OldAwsSdkModule/OldAwsSdkModule.csproj'
    $out = Join-Path $Destination 'OldAwsSdkModule'
    $env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
    $env:DOTNET_NOLOGO = '1'
    $log = & dotnet publish $project -c Release -o $out --nologo -v quiet 2>&1
    if ($LASTEXITCODE -ne 0) { throw "dotnet publish $project failed (exit $LASTEXITCODE):`n$($log -join "`n")" }
    foreach ($file in 'OldAwsSdkModule.dll', 'OldAwsSdkModule.psd1', 'AWSSDK.Core.dll') {
        if (-not (Test-Path (Join-Path $out $file))) { throw "The fixture build left no $file in $out." }
    }
    $out
}

<#
.SYNOPSIS
    Runs -Script in a new pwsh process (-NoLogo -NoProfile -NonInteractive, $ErrorActionPreference Stop),
    with -Environment added to the child's environment only. What the script writes to the pipeline comes
    back deserialized (CLIXML) as .Output; .ExitCode, .StdOut and .StdErr are the process's. Throws with all
    of the process's output when it exits non-zero or outlives -TimeoutSeconds.
#>
function Invoke-PwshScript {
    param(
        [Parameter(Mandatory)] [string] $Script,
        [hashtable] $Environment = @{},
        [int] $TimeoutSeconds = 180
    )
    $file = Join-Path ([IO.Path]::GetTempPath()) "dac-ordered-$([guid]::NewGuid().ToString('n')).ps1"
    $outFile = "$file.xml"
    $body = "`$ErrorActionPreference = 'Stop'`nSet-StrictMode -Version Latest`n& {`n$Script`n} | Export-Clixml -LiteralPath '$($outFile -replace "'", "''")' -Depth 5`n"
    Set-Content -LiteralPath $file -Value $body
    try {
        $run = Invoke-Pwsh -File $file -Environment $Environment -TimeoutSeconds $TimeoutSeconds
        if ($run.ExitCode -ne 0) {
            throw "pwsh exited with $($run.ExitCode).`nstdout:`n$($run.StdOut)`nstderr:`n$($run.StdErr)"
        }
        [pscustomobject]@{
            ExitCode = $run.ExitCode
            StdOut   = $run.StdOut
            StdErr   = $run.StdErr
            Output   = if (Test-Path -LiteralPath $outFile) { Import-Clixml -LiteralPath $outFile } else { $null }
        }
    }
    finally {
        Remove-Item -LiteralPath $file, $outFile -ErrorAction SilentlyContinue
    }
}

<# .SYNOPSIS A single-quoted PowerShell literal for a string, to put a path into a generated script. #>
function ConvertTo-PwshLiteral([string] $Value) { "'" + ($Value -replace "'", "''") + "'" }

<#
.SYNOPSIS
    The walkthrough a user types against LocalAws, as script text for Invoke-PwshScript: the mount, a role and
    the root config (unless -SkipSetup), then one credential and Revoke-Lease -Prefix. The text evaluates to one
    object { Credential, SecretLength, LeasesBefore, LeasesAfter, Revoked, Failed, EngineLocation, EngineContext }.
#>
function Get-WalkthroughScript {
    param([Parameter(Mandatory)] $Server, [string] $Role = 'dev', [switch] $SkipSetup)
    $setup = if ($SkipSetup) { '' } else {
        @"
Enable-SecretsEngine aws | Out-Null
Set-AwsRole $Role -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess | Out-Null
Set-AwsRootConfig -AccessKey $(ConvertTo-PwshLiteral $Server.RootAccessKey) -SecretKey $(ConvertTo-PwshLiteral $Server.RootSecretKey) -IamEndpoint $(ConvertTo-PwshLiteral $Server.Endpoint) | Out-Null
"@
    }
    @"
& {
$setup
`$cred = Get-AwsCredential $Role
`$leasesBefore = @(Get-Lease -Prefix aws/creds/$Role).Count
`$revoked = Revoke-Lease -Prefix aws/creds/$Role
`$engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'DynamicAwsCreds.Engine' }
[pscustomobject]@{
    Credential     = `$cred | Select-Object LeaseId, AccessKey, UserName, Role, CredentialType
    SecretLength   = `$cred.SecretKey.Length
    LeasesBefore   = `$leasesBefore
    LeasesAfter    = @(Get-Lease -Prefix aws/creds/$Role).Count
    Revoked        = `$revoked.Revoked
    Failed         = `$revoked.Failed
    EngineLocation = `$engine.Location
    EngineContext  = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$engine).Name
}
}
"@
}

<# .SYNOPSIS Script text that evaluates to every loaded AWSSDK.Core: versions, load context, location. #>
function Get-AwsSdkCoreReportScript {
    @'
@([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'AWSSDK.Core' } | ForEach-Object {
    [pscustomobject]@{
        AssemblyVersion = $_.GetName().Version.ToString()
        FileVersion     = ($_.GetCustomAttributes([Reflection.AssemblyFileVersionAttribute], $false) | Select-Object -First 1).Version
        LoadContext     = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name
        Location        = $_.Location
    }
})
'@
}

function Test-UnderFolder([string] $Path, [string] $Folder) {
    [IO.Path]::GetFullPath($Path).StartsWith([IO.Path]::GetFullPath($Folder).TrimEnd([IO.Path]::DirectorySeparatorChar) + [IO.Path]::DirectorySeparatorChar)
}

<#
.SYNOPSIS
    Checks what Get-WalkthroughScript reported: one iam_user lease issued and revoked by prefix, by an
    engine loaded in the module's own load context from under -ModuleFolder.
#>
function Assert-WalkthroughResult($Walk, [string] $ModuleFolder) {
    $Walk.Credential.LeaseId | Should -Match '^aws/creds/dev/[A-Za-z0-9]{24}$'
    $Walk.Credential.AccessKey | Should -Match '^AKIA[A-Z0-9]{16}$'
    $Walk.Credential.UserName | Should -BeLike 'vault-*'
    $Walk.Credential.CredentialType | Should -Be 'iam_user'
    $Walk.SecretLength | Should -Be 40
    $Walk.LeasesBefore | Should -Be 1
    $Walk.Revoked | Should -Be 1
    $Walk.Failed | Should -Be 0
    $Walk.LeasesAfter | Should -Be 0
    $Walk.EngineContext | Should -Be 'DynamicAwsCreds'
    Test-UnderFolder $Walk.EngineLocation $ModuleFolder | Should -BeTrue
}

Export-ModuleMember -Function New-FixtureTempFolder, Publish-OldAwsSdkModule, Invoke-PwshScript, ConvertTo-PwshLiteral, Get-WalkthroughScript, Get-AwsSdkCoreReportScript, Test-UnderFolder, Assert-WalkthroughResult
