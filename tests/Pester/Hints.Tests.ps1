# What a new user meets: durations as they type them, tables that fit a terminal, errors that say what to
# type instead, and revoking a lease twice.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:server = Start-TestLocalAws
    $script:readOnly = 'arn:aws:iam::aws:policy/ReadOnlyAccess'
}
AfterAll { if ($script:server) { Stop-LocalAws $script:server } }

Describe 'Durations as users type them' {
    BeforeAll {
        $script:store = Initialize-TestStore $script:server
        Set-AwsRole developer-access -PolicyArn $script:readOnly
    }
    AfterAll {
        Revoke-Lease -Prefix aws/ -Force | Out-Null
        Remove-TestStore $script:store
    }

    It 'refuses an unquoted 1d (the decimal 1 to PowerShell) with a hint to quote it, and issues nothing' {
        $err = $null
        try { Get-AwsCredential developer-access -Ttl 1d } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'DynamicAwsCreds.InvalidDuration,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.TargetObject | Should -Be '1'
        $err.Exception.Message | Should -BeLike "*'1d'*"
        $err.Exception.Message | Should -BeLike '*86400*'
        @(Get-Lease).Count | Should -Be 0
    }

    It 'refuses a decimal or a fraction for every duration parameter: <Name>' -ForEach @(
        @{ Name = 'mount default TTL'; Command = { Enable-SecretsEngine aws -Path other -DefaultLeaseTtl 2d } }
        @{ Name = 'lease config'; Command = { Set-AwsLeaseConfig -Lease 1d -LeaseMax 2d } }
        @{ Name = 'fractional seconds'; Command = { Get-AwsCredential developer-access -Ttl 1.5 } }
    ) {
        { & $Command } | Should -Throw -ErrorId 'DynamicAwsCreds.InvalidDuration*'
        Get-SecretsEngine | Should -HaveCount 1
        (Get-AwsLeaseConfig).Lease | Should -BeNullOrEmpty
    }

    It 'keeps whole numbers as seconds, and quoted durations and TimeSpans as they are' {
        (Get-AwsCredential developer-access -Ttl 3600).LeaseDuration | Should -Be ([timespan]::FromHours(1))
        (Get-AwsCredential developer-access -Ttl '1d').LeaseDuration | Should -Be ([timespan]::FromDays(1))
        (Get-AwsCredential developer-access -Ttl ([timespan]::FromMinutes(90))).LeaseDuration | Should -Be ([timespan]::FromMinutes(90))
    }

    It 'caps a TTL over the maximum with a warning naming both' {
        Set-AwsLeaseConfig -Lease 1h -LeaseMax 2h
        try {
            $cred = Get-AwsCredential developer-access -Ttl 5h -WarningVariable warned -WarningAction SilentlyContinue
            $cred.LeaseDuration | Should -Be ([timespan]::FromHours(2))
            "$warned" | Should -BeLike '*5h*2h*'
            Get-AwsCredential developer-access -Ttl 90m -WarningVariable none -WarningAction SilentlyContinue | Out-Null
            $none | Should -BeNullOrEmpty
        }
        finally { Set-AwsLeaseConfig -Lease 768h -LeaseMax 768h }
    }

    It 'prints durations as Vault users write them, never 0h5m0s' {
        Set-AwsLeaseConfig -Lease 5m -LeaseMax 1h30m
        try {
            $shown = (Get-AwsLeaseConfig).ToString()
            $shown | Should -BeLike '*lease 5m,*max 1h30m*'
            $shown | Should -Not -BeLike '*0s*'
            Get-SecretsEngine | Out-String -Width 80 | Should -Match '\b768h\b'
            $err = $null
            try { Set-AwsLeaseConfig -Lease 2h -LeaseMax 90m } catch { $err = $_ }
            $err.Exception.Message | Should -BeLike '*(2h)*(1h30m)*'
        }
        finally { Set-AwsLeaseConfig -Lease 768h -LeaseMax 768h }
    }
}

Describe 'Revoking twice' {
    BeforeAll {
        $script:store = Initialize-TestStore $script:server
        Set-AwsRole developer-access -PolicyArn $script:readOnly
    }
    AfterAll { Remove-TestStore $script:store }

    It 'succeeds quietly for a lease this store revoked, while an id it never issued stays LeaseNotFound' {
        $cred = Get-AwsCredential developer-access
        (Revoke-Lease $cred.LeaseId).Revoked | Should -Be 1

        $again = Revoke-Lease $cred.LeaseId -ErrorVariable failed -ErrorAction SilentlyContinue -WarningVariable warned
        $failed | Should -BeNullOrEmpty
        $warned | Should -BeNullOrEmpty
        $again.Revoked | Should -Be 1
        $again.Failed | Should -Be 0
        $again.LeaseIds | Should -Be @($cred.LeaseId)
        ($cred | Revoke-Lease).Failed | Should -Be 0

        $never = $cred.LeaseId.Substring(0, $cred.LeaseId.Length - 24) + ('Z' * 24)
        { Revoke-Lease $never -ErrorAction Stop } | Should -Throw -ErrorId 'DynamicAwsCreds.LeaseNotFound*'
    }
}
