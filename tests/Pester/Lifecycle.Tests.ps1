# Leases that never lose a user: renew, the expired sweep, crash recovery, many processes on one store, orphans.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:readOnly = 'arn:aws:iam::aws:policy/ReadOnlyAccess'

    function Initialize-Store($Server) {
        $script:store = New-TestStore
        $env:DYNAMICAWSCREDS_STORE = $script:store
        Enable-SecretsEngine aws | Out-Null
        Set-AwsRole dev -PolicyArn $script:readOnly
        Set-AwsRootConfig -AccessKey $Server.RootAccessKey -SecretKey $Server.RootSecretKey -IamEndpoint $Server.Endpoint -StsEndpoint $Server.Endpoint
    }
}

Describe 'Renewing and sweeping leases' {
    BeforeAll { $script:server = Start-TestLocalAws }
    AfterAll { Stop-LocalAws $script:server }
    BeforeEach { Initialize-Store $script:server }
    AfterEach {
        # Each test starts with no vault-* users, whatever the last one left.
        Clear-VaultUsers $script:server
        Remove-TestStore $script:store
    }

    It 'renews by -Increment and warns when the max TTL caps it' {
        Set-AwsLeaseConfig -Lease 1h -LeaseMax 2h
        (Get-AwsLeaseConfig).Lease | Should -Be ([timespan]::FromHours(1))
        $cred = Get-AwsCredential dev
        $cred.LeaseDuration | Should -Be ([timespan]::FromHours(1))

        $renewed = Update-Lease $cred.LeaseId -Increment 90m
        $renewed.Ttl.TotalMinutes | Should -BeGreaterThan 88
        $renewed.LastRenewalTime | Should -Not -BeNullOrEmpty

        $capped = $cred | Update-Lease -Increment 10h -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings | Should -Not -BeNullOrEmpty
        $capped.ExpireTime | Should -Be $capped.MaxExpireTime
    }

    It 'sweeps expired leases with Revoke-Lease -Expired and leaves the rest' {
        $short = Get-AwsCredential dev -Ttl 1
        $long = Get-AwsCredential dev
        Start-Sleep -Milliseconds 1500
        @(Get-Lease -Expired).LeaseId | Should -Be @($short.LeaseId)
        $result = Revoke-Lease -Expired
        $result.Revoked | Should -Be 1
        Get-VaultUserNames $script:server | Should -Be @($long.UserName)
        (Get-Lease $long.LeaseId).LeaseId | Should -Be $long.LeaseId
    }

    It 'after a lost store, removes the users whose leases expired and leaves the live ones alone' {
        $expired = Get-AwsCredential dev -Ttl 1
        $live = Get-AwsCredential dev
        Remove-TestStore $script:store
        Initialize-Store $script:server
        # The marker keeps whole seconds, so a one-second lease is certainly over two seconds on.
        Start-Sleep -Milliseconds 2500
        $orphans = Get-AwsOrphanUser
        ($orphans | Where-Object UserName -eq $expired.UserName).Reason | Should -Be 'Expired'
        ($orphans | Where-Object UserName -eq $live.UserName).Reason | Should -Be 'Foreign'
        $orphans | Remove-AwsOrphanUser -Confirm:$false -ErrorVariable refused -ErrorAction SilentlyContinue
        @($refused).Count | Should -Be 1
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'DynamicAwsCreds.NotOwned*'
        Get-VaultUserNames $script:server | Should -Be @($live.UserName)
    }

    It 'disables a secrets engine only after revoking its leases' {
        1..3 | ForEach-Object { Get-AwsCredential dev } | Out-Null
        $result = Disable-SecretsEngine aws -Confirm:$false
        $result.Revoked | Should -Be 3
        Get-VaultUserNames $script:server | Should -BeNullOrEmpty
        { Get-AwsRole dev } | Should -Throw -ErrorId 'DynamicAwsCreds.MountNotFound*'
    }
}

Describe 'A process killed while issuing' {
    BeforeAll { $script:server = Start-TestLocalAws -ArgumentList '--delay', 'CreateAccessKey:20000' }
    AfterAll { Stop-LocalAws $script:server }
    BeforeEach { Initialize-Store $script:server }
    AfterEach { Remove-TestStore $script:store }

    It 'leaves no IAM user once the next pwsh sweeps, and read-only commands never call AWS for it' {
        $victim = Start-FreshPwsh -StorePath $script:store -Script 'Get-AwsCredential dev'
        # Killed once the user carries its expiry guard (and with it the ownership marker), mid-issue.
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        $guarded = {
            $user = Get-VaultUserNames $script:server
            $user -and 'DynamicAwsCreds-ExpiryGuard' -in @((Invoke-LocalIam -Server $script:server -Action ListUserPolicies -Parameters @{ UserName = $user }).ListUserPoliciesResponse.ListUserPoliciesResult.PolicyNames.member)
        }
        while (-not (& $guarded) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $orphan = Get-VaultUserNames $script:server
        $orphan | Should -HaveCount 1
        $victim.Kill()   # SIGKILL: no finally block, no rollback
        $victim.WaitForExit()

        $since = [DateTime]::UtcNow
        Invoke-FreshPwsh -StorePath $script:store -Script @'
Get-SecretsEngine | Out-Null
Get-Lease | Out-Null
Get-AwsRole | Out-Null
(TabExpansion2 'Revoke-Lease aws/' 16).CompletionMatches | Out-Null
'@ | Out-Null
        # Get-VaultUserNames calls ListUsers once; nothing else may have reached LocalAws.
        Get-VaultUserNames $script:server | Should -HaveCount 1
        @(Get-LocalAwsRequestLog $script:server | Where-Object { ([DateTime]$_.ReceivedUtc).ToUniversalTime() -ge $since }).Action | Should -Be @('ListUsers')

        Invoke-FreshPwsh -StorePath $script:store -Script 'Revoke-Lease -Expired -Confirm:$false -Verbose 4>&1' | Out-Null
        Get-VaultUserNames $script:server | Should -BeNullOrEmpty
        Get-Lease | Should -BeNullOrEmpty
    }
}

Describe 'Several processes on one store' {
    BeforeAll { $script:server = Start-TestLocalAws -EventuallyConsistent }
    AfterAll { Stop-LocalAws $script:server }
    BeforeEach { Initialize-Store $script:server }
    AfterEach { Remove-TestStore $script:store }

    It 'four issuing 25 each while a fifth revokes by prefix: every lease has one user and every user one lease' {
        $issuers = 1..4 | ForEach-Object { Start-FreshPwsh -StorePath $script:store -Script '1..25 | ForEach-Object { Get-AwsCredential dev | Out-Null }' }
        $revoker = Start-FreshPwsh -StorePath $script:store -Script @'
for ($i = 0; $i -lt 6; $i++) { Revoke-Lease -Prefix aws/creds/dev | Out-Null; Start-Sleep -Milliseconds 500 }
'@
        foreach ($p in @($issuers) + $revoker) {
            $p.WaitForExit(240000) | Should -BeTrue
            $errors = $p.StdErr.Result + $p.StdOut.Result
            $errors | Should -Not -Match 'database is locked'
            $p.ExitCode | Should -Be 0 -Because $errors
        }

        $leases = @(Get-Lease -Prefix aws/creds/dev)
        $users = @(Get-VaultUserNames $script:server)
        @($leases.UserName | Sort-Object) | Should -Be @($users | Sort-Object)
        @($leases.UserName | Sort-Object -Unique).Count | Should -Be $leases.Count
        Revoke-Lease -Prefix aws/creds/dev | Out-Null
        Get-VaultUserNames $script:server | Should -BeNullOrEmpty
    }
}

Describe 'Counting IAM users' {
    BeforeAll { $script:server = Start-TestLocalAws }
    AfterAll { Stop-LocalAws $script:server }

    It 'Get-VaultUserNames reads every page of ListUsers (IAM returns 100 at most a call)' {
        1..101 | ForEach-Object { $null = Invoke-LocalIam -Server $script:server -Action CreateUser -Parameters @{ UserName = 'vault-page-{0:d3}' -f $_ } }
        $names = @(Get-VaultUserNames $script:server)
        $names | Should -HaveCount 101
        $names | Sort-Object -Unique | Should -HaveCount 101
    }
}
