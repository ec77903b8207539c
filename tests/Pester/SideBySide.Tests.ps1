# DynamicAwsCreds beside AWS Tools for PowerShell. AWS Tools ships AWSSDK.Core 3.7.x beside its own dlls, so it
# loads in PowerShell's default load context; DynamicAwsCreds must keep its AWSSDK.Core 4.x in its private
# "DynamicAwsCreds" context, whichever module is imported (and used) first. tests/Fixtures/OldAwsSdkModule is
# the stand-in for AWS Tools: a binary module on AWSSDK.Core 3.7.x (assembly version 3.3.0.0, as every 3.x).
# Every scenario runs in a fresh pwsh that imports exactly what it says, in that order.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../Fixtures/FixtureHelpers.psm1') -Force

    $script:work = New-FixtureTempFolder 'dac-sidebyside'
    $script:fixture = Publish-OldAwsSdkModule -Destination $script:work
    $script:modulePath = (Resolve-Path (Get-TestModulePath)).ProviderPath
    $script:server = Start-TestLocalAws

    $fixtureManifest = ConvertTo-PwshLiteral (Join-Path $script:fixture 'OldAwsSdkModule.psd1')
    $moduleLiteral = ConvertTo-PwshLiteral $script:modulePath
    $walk = Get-WalkthroughScript -Server $script:server -Role dev
    $walkAgain = Get-WalkthroughScript -Server $script:server -Role dev -SkipSetup
    $report = Get-AwsSdkCoreReportScript

    # Each scenario's script; each writes one object with what it saw.
    $script:scenarios = @{
        'the fixture imported and used first'        = @"
Import-Module $fixtureManifest
`$old = Get-OldSdkVersion
`$oldCred = Get-OldSdkCredential
Import-Module $moduleLiteral
`$walk = $walk
[pscustomobject]@{ Old = `$old; OldCred = `$oldCred; Walks = @(`$walk); OldAfter = Get-OldSdkVersion; OldCredAfter = Get-OldSdkCredential AKIDAFTER secret2; Cores = $report }
"@
        'DynamicAwsCreds imported and used first'    = @"
Import-Module $moduleLiteral
`$walk = $walk
Import-Module $fixtureManifest
`$old = Get-OldSdkVersion
`$oldCred = Get-OldSdkCredential
`$walkAgain = $walkAgain
[pscustomobject]@{ Old = `$old; OldCred = `$oldCred; Walks = @(`$walk, `$walkAgain); OldAfter = Get-OldSdkVersion; OldCredAfter = Get-OldSdkCredential AKIDAFTER secret2; Cores = $report }
"@
        'DynamicAwsCreds imported first, fixture used first' = @"
Import-Module $moduleLiteral
Import-Module $fixtureManifest
`$old = Get-OldSdkVersion
`$oldCred = Get-OldSdkCredential
`$walk = $walk
[pscustomobject]@{ Old = `$old; OldCred = `$oldCred; Walks = @(`$walk); OldAfter = Get-OldSdkVersion; OldCredAfter = Get-OldSdkCredential AKIDAFTER secret2; Cores = $report }
"@
    }

}

AfterAll {
    if ($script:server) { Stop-LocalAws $script:server }
    if ($script:work -and (Test-Path $script:work)) { Remove-Item $script:work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'DynamicAwsCreds beside a module on AWSSDK.Core 3.7 (<_>)' -ForEach @(
    'the fixture imported and used first'
    'DynamicAwsCreds imported and used first'
    'DynamicAwsCreds imported first, fixture used first'
) {
    BeforeAll {
        $script:store = New-TestStore
        $script:run = $null
        $scenario = $_
        try {
            $script:run = Invoke-PwshScript -Script $script:scenarios[$scenario] -Environment @{
                DYNAMICAWSCREDS_STORE     = $script:store
                AWS_EC2_METADATA_DISABLED = 'true'
            }
        }
        catch { throw "Scenario '$scenario': $($_.Exception.Message)" }
        $script:seen = $script:run.Output
    }
    AfterAll {
        Remove-TestStore $script:store
    }

    It 'runs the fixture''s cmdlets on AWSSDK.Core 3.7.x from its own folder, in the default context' {
        foreach ($old in $script:seen.Old, $script:seen.OldAfter) {
            $old.AssemblyVersion | Should -Be '3.3.0.0'
            $old.FileVersion | Should -BeLike '3.7.*'
            $old.LoadContext | Should -Be 'Default'
            Test-UnderFolder $old.Location $script:fixture | Should -BeTrue -Because "AWSSDK.Core came from $($old.Location)"
        }
        $script:seen.OldCred.AccessKey | Should -Be 'AKIDEXAMPLE'
        $script:seen.OldCred.UseToken | Should -BeFalse
        $script:seen.OldCred.Region | Should -Be 'eu-west-1'
        $script:seen.OldCredAfter.AccessKey | Should -Be 'AKIDAFTER'
    }

    It 'issues and revokes credentials end to end against LocalAws' {
        @($script:seen.Walks).Count | Should -BeGreaterThan 0
        foreach ($walk in $script:seen.Walks) {
            Assert-WalkthroughResult $walk $script:modulePath
        }
        Get-VaultUserNames $script:server | Should -BeNullOrEmpty
    }

    It 'has two AWSSDK.Core loaded: 3.7.x in the default context, 4.x in the DynamicAwsCreds context' {
        $cores = @($script:seen.Cores)
        $cores.Count | Should -Be 2 -Because ($cores | Format-Table -AutoSize | Out-String)

        $old = @($cores | Where-Object { ([version]$_.AssemblyVersion).Major -eq 3 })
        $old.Count | Should -Be 1
        $old[0].FileVersion | Should -BeLike '3.7.*'
        $old[0].LoadContext | Should -Be 'Default'
        Test-UnderFolder $old[0].Location $script:fixture | Should -BeTrue

        $new = @($cores | Where-Object { ([version]$_.AssemblyVersion).Major -eq 4 })
        $new.Count | Should -Be 1
        $new[0].FileVersion | Should -BeLike '4.*'
        $new[0].LoadContext | Should -Be 'DynamicAwsCreds'
        Test-UnderFolder $new[0].Location (Join-Path $script:modulePath 'dependencies') | Should -BeTrue
    }
}
