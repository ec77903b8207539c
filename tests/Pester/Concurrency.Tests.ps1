# Read-then-write changes from 4 processes at once: none is lost, mounts never nest, no lease outlives its mount.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:readOnly = 'arn:aws:iam::aws:policy/ReadOnlyAccess'
}

Describe 'Four processes on one store at once' {
    BeforeAll {
        # A slow CreateAccessKey keeps issues in flight while the mount is disabled.
        $script:server = Start-TestLocalAws -ArgumentList '--delay', 'CreateAccessKey:300'
    }
    AfterAll { Stop-LocalAws $script:server }
    BeforeEach { $script:store = Initialize-TestStore $script:server }
    AfterEach {
        Clear-VaultUsers $script:server
        Remove-TestStore $script:store
    }

    It 'Set-AwsRootConfig: each process changes one setting and every change survives' {
        $results = Invoke-AtOnce -StorePath $script:store -Scripts @(
            'Set-AwsRootConfig -Region eu-west-1'
            'Set-AwsRootConfig -MaxRetries 7'
            'Set-AwsRootConfig -UsernameTemplate "vault-{{.RoleName}}-{{random 20}}"'
            'Set-AwsLeaseConfig -Lease 2h -LeaseMax 4h; Set-AwsRootConfig -MaxRetries 7'
        )
        $results | ForEach-Object { $_.ExitCode | Should -Be 0 -Because $_.StdErr }
        $config = Get-AwsRootConfig
        $config.Region | Should -Be 'eu-west-1'
        $config.MaxRetries | Should -Be 7
        $config.UsernameTemplate | Should -Be 'vault-{{.RoleName}}-{{random 20}}'
        $config.AccessKey | Should -Be $script:server.RootAccessKey
    }

    It 'Set-AwsRole: each process changes one field of one role and every change survives' {
        Set-AwsRole shared -PolicyArn $script:readOnly
        Invoke-LocalIam -Server $script:server -Action CreateGroup -Parameters @{ GroupName = 'devs' } | Out-Null
        $results = Invoke-AtOnce -StorePath $script:store -Scripts @(
            'Set-AwsRole shared -IamGroup devs'
            'Set-AwsRole shared -IamTag @{ team = "blue" }'
            'Set-AwsRole shared -UserPath /dynamic/'
            'Set-AwsRole shared -PolicyDocument ''{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}'''
        )
        $results | ForEach-Object { $_.ExitCode | Should -Be 0 -Because $_.StdErr }
        $role = Get-AwsRole shared
        $role.PolicyArns | Should -Be @($script:readOnly)
        $role.IamGroups | Should -Be @('devs')
        $role.IamTags.team | Should -Be 'blue'
        $role.UserPath | Should -Be '/dynamic/'
        $role.PolicyDocument | Should -Match 'ListAllMyBuckets'
    }

    It 'Enable-SecretsEngine: of four overlapping paths, the ones enabled never nest' {
        $results = Invoke-AtOnce -StorePath $script:store -Scripts @(
            'Enable-SecretsEngine aws -Path team'
            'Enable-SecretsEngine aws -Path team/a'
            'Enable-SecretsEngine aws -Path team/a/x'
            'Enable-SecretsEngine aws -Path team/b'
        )
        @($results | Where-Object ExitCode -eq 0).Count | Should -BeGreaterThan 0
        $paths = @((Get-SecretsEngine).Path | Where-Object { $_ -like 'team*' })
        foreach ($p in $paths) {
            foreach ($q in $paths) {
                if ($p -ne $q) { $q.StartsWith("$p/") | Should -BeFalse -Because "$q would nest under $p" }
            }
        }
        @($results | Where-Object ExitCode -ne 0).StdErr | ForEach-Object { $_ | Should -Match 'nested|already enabled' }
    }

    It 'Disable-SecretsEngine against three processes issuing: no lease and no IAM user outlives the mount' {
        Set-AwsRole dev -PolicyArn $script:readOnly
        $issue = '1..6 | ForEach-Object { try { Get-AwsCredential dev -ErrorAction Stop | Out-Null } catch { if ($_.FullyQualifiedErrorId -notmatch "MountDisabled|MountNotFound") { throw } } }'
        $results = Invoke-AtOnce -StorePath $script:store -Scripts @(
            $issue
            $issue
            $issue
            'Start-Sleep -Milliseconds 700; Disable-SecretsEngine aws -Confirm:$false | Out-Null'
        )
        $results | ForEach-Object { $_.ExitCode | Should -Be 0 -Because $_.StdErr }
        Get-SecretsEngine | Where-Object Path -eq 'aws' | Should -BeNullOrEmpty
        Get-Lease | Should -BeNullOrEmpty
        Get-VaultUserNames $script:server | Should -BeNullOrEmpty
    }
}
