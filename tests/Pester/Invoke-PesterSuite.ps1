<#
.SYNOPSIS
    Runs every tests/Pester/*.Tests.ps1 over the built module with Pester 5.7.1 from the NuGet cache,
    and writes {Passed, Failed} to -ResultFile for build.ps1's closing line.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $LocalAwsDll,
    [Parameter(Mandatory)] [string] $ResultFile,
    # Only these test files (default: every *.Tests.ps1 here), for a quick run of one area.
    [string[]] $Path = @($PSScriptRoot)
)
$ErrorActionPreference = 'Stop'
$packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
Import-Module (Join-Path $packages 'pester/5.7.1/tools/Pester.psd1') -Force

# No test may ever reach the EC2 instance metadata address through the SDK's default chain.
$env:AWS_EC2_METADATA_DISABLED = 'true'

# Read by TestHelpers.psm1 in every test file.
$env:DYNAMICAWSCREDS_TEST_MODULE = (Resolve-Path $ModulePath).Path
$env:DYNAMICAWSCREDS_TEST_LOCALAWS = (Resolve-Path $LocalAwsDll).Path

$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
$config.Should.ErrorAction = 'Stop'
$result = Invoke-Pester -Configuration $config

[pscustomobject]@{ Passed = $result.PassedCount; Failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount; Skipped = $result.SkippedCount } |
    ConvertTo-Json | Set-Content -Path $ResultFile
if ($result.Result -ne 'Passed') { exit 1 }
