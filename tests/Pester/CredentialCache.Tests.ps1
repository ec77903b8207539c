# The credential_process cache (Export-AwsCredential -Cache): many processes at once, keying, reuse of short leases.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    # A slow CreateUser keeps the first issuer inside its lock while the other processes arrive; IAM's eventual
    # consistency and key propagation keep it there longer (a new key is cached only once AWS accepts it).
    $script:server = Start-TestLocalAws -EventuallyConsistent -ArgumentList '--delay', 'CreateUser:1500'
}
AfterAll {
    Stop-LocalAws $script:server
}

Describe 'Export-AwsCredential -Cache' {
    BeforeEach {
        $script:store = New-TestStore
        $env:DYNAMICAWSCREDS_STORE = $script:store
        Enable-SecretsEngine aws | Out-Null
        Set-AwsRole dev -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess
        Set-AwsRootConfig -AccessKey $script:server.RootAccessKey -SecretKey $script:server.RootSecretKey -IamEndpoint $script:server.Endpoint -StsEndpoint $script:server.Endpoint
    }
    AfterEach {
        Revoke-Lease -Prefix aws/ -Force | Out-Null
        Clear-VaultUsers $script:server
        Remove-TestStore $script:store
    }

    It '20 credential_process calls at once on an empty cache make one IAM user and all print its key' {
        $gate = Join-Path (Split-Path $script:store) 'gate'
        New-Item -ItemType Directory -Path $gate -Force | Out-Null
        # Each process loads the module and opens the store first, then all start the request together.
        $script = @"
Get-SecretsEngine | Out-Null
New-Item -ItemType File -Path ('$gate/ready-' + `$PID) | Out-Null
while (-not (Test-Path '$gate/go')) { Start-Sleep -Milliseconds 20 }
Export-AwsCredential -Role dev -Format CredentialProcess -Cache
"@
        $processes = 1..20 | ForEach-Object { Start-FreshPwsh -StorePath $script:store -Script $script }
        try {
            $deadline = [DateTime]::UtcNow.AddMinutes(4)
            while (@(Get-ChildItem $gate -Filter 'ready-*').Count -lt 20 -and -not ($processes | Where-Object HasExited) -and [DateTime]::UtcNow -lt $deadline) {
                Start-Sleep -Milliseconds 100
            }
            @(Get-ChildItem $gate -Filter 'ready-*').Count | Should -Be 20
            New-Item -ItemType File -Path (Join-Path $gate 'go') | Out-Null

            $keys = foreach ($p in $processes) {
                $p.WaitForExit(240000) | Should -BeTrue
                $p.ExitCode | Should -Be 0 -Because $p.StdErr.Result
                $p.StdErr.Result | Should -BeNullOrEmpty
                ($p.StdOut.Result | ConvertFrom-Json).AccessKeyId
            }
        }
        finally {
            foreach ($p in $processes) {
                if (-not $p.HasExited) { $p.Kill() }
                Remove-Item $p.ScriptFile -ErrorAction SilentlyContinue
            }
        }

        $keys | Should -HaveCount 20
        @($keys | Sort-Object -Unique) | Should -HaveCount 1
        $users = @(Get-VaultUserNames $script:server)
        $users | Should -HaveCount 1
        $lease = Get-Lease -Role dev
        $lease | Should -HaveCount 1
        $lease.UserName | Should -Be $users[0]
        $lease.AccessKeyId | Should -Be $keys[0]
    }

    It 'reuses a lease shorter than 15 minutes, and keeps one per -Ttl' {
        $a = Export-AwsCredential -Role dev -Ttl 10m -Cache | ConvertFrom-Json
        $b = Export-AwsCredential -Role dev -Ttl 10m -Cache | ConvertFrom-Json
        $c = Export-AwsCredential -Role dev -Ttl 20m -Cache | ConvertFrom-Json
        $b.AccessKeyId | Should -Be $a.AccessKeyId
        $c.AccessKeyId | Should -Not -Be $a.AccessKeyId
        @(Get-Lease -Role dev) | Should -HaveCount 2
    }

    It 'issues afresh after Set-AwsRole changes the role' {
        $a = Export-AwsCredential -Role dev -Cache | ConvertFrom-Json
        Set-AwsRole dev -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess, arn:aws:iam::aws:policy/AdministratorAccess
        $b = Export-AwsCredential -Role dev -Cache | ConvertFrom-Json
        $b.AccessKeyId | Should -Not -Be $a.AccessKeyId
    }
}
