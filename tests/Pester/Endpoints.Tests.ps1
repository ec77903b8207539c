# Partitions, STS endpoints and safe endpoints as a user meets them: Set-AwsRootConfig refusing unsafe endpoints
# by ErrorId, warning about custom hosts, Get-AwsRootConfig's effective endpoints; and a root config changed in
# another pwsh being used by the next command of a long-lived session.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force

    function Get-Failure([scriptblock] $Command) {
        try { & $Command; $null } catch { $_ }
    }
}

Describe 'Endpoints and partitions' {
    BeforeEach {
        $script:store = New-TestStore
        $env:DYNAMICAWSCREDS_STORE = $script:store
        Enable-SecretsEngine aws | Out-Null
    }
    AfterEach { Remove-TestStore $script:store }

    It 'refuses plain http to another machine with InsecureEndpoint, even with -AllowCustomEndpoint' -ForEach @(
        @{ Url = 'http://iam.example.com'; Parameter = 'IamEndpoint' }
        @{ Url = 'http://iam.amazonaws.com'; Parameter = 'IamEndpoint' }
        @{ Url = 'http://10.0.0.5:4599'; Parameter = 'StsEndpoint' }
    ) {
        $splat = @{ $Parameter = $Url }
        $err = Get-Failure { Set-AwsRootConfig @splat -AllowCustomEndpoint }
        $err.FullyQualifiedErrorId | Should -BeLike 'DynamicAwsCreds.InsecureEndpoint,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.TargetObject | Should -Be "$Url/"
        (Get-AwsRootConfig).$Parameter | Should -BeNullOrEmpty
    }

    It 'refuses a host outside AWS''s domains unless -AllowCustomEndpoint, then warns naming it' {
        $err = Get-Failure { Set-AwsRootConfig -iam_endpoint https://iam-proxy.corp.example }
        $err.FullyQualifiedErrorId | Should -BeLike 'DynamicAwsCreds.InsecureEndpoint,*'
        $err.Exception.Message | Should -Match 'AllowCustomEndpoint'
        (Get-AwsRootConfig).IamEndpoint | Should -BeNullOrEmpty

        Set-AwsRootConfig -iam_endpoint https://iam-proxy.corp.example -AllowCustomEndpoint -WarningVariable warned -WarningAction SilentlyContinue
        $warned.Count | Should -Be 1
        "$warned" | Should -Match 'iam-proxy\.corp\.example'
        "$warned" | Should -Match 'root key'
        $config = Get-AwsRootConfig
        $config.EffectiveIamEndpoint.Url | Should -Be 'https://iam-proxy.corp.example/'
        $config.EffectiveIamEndpoint.Host | Should -Be 'Custom'

        # AWS's hosts and this machine need no switch and draw no warning.
        Set-AwsRootConfig -IamEndpoint https://iam.global.api.aws -StsEndpoint http://127.0.0.1:4599 -WarningVariable none
        $none | Should -BeNullOrEmpty
    }

    It 'shows the effective endpoints and signing regions, defaults included' -ForEach @(
        @{ Region = 'us-east-1'; Partition = 'aws'; Iam = 'https://iam.amazonaws.com/'; IamRegion = 'us-east-1'; Sts = 'https://sts.us-east-1.amazonaws.com/' }
        @{ Region = 'us-gov-east-1'; Partition = 'aws-us-gov'; Iam = 'https://iam.us-gov.amazonaws.com/'; IamRegion = 'us-gov-west-1'; Sts = 'https://sts.us-gov-east-1.amazonaws.com/' }
        @{ Region = 'cn-northwest-1'; Partition = 'aws-cn'; Iam = 'https://iam.cn-north-1.amazonaws.com.cn/'; IamRegion = 'cn-north-1'; Sts = 'https://sts.cn-northwest-1.amazonaws.com.cn/' }
    ) {
        Set-AwsRootConfig -Region $Region
        $config = Get-AwsRootConfig
        $config.Partition | Should -Be $Partition
        $config.IamEndpoint | Should -BeNullOrEmpty
        $config.EffectiveIamEndpoint.Url | Should -Be $Iam
        $config.EffectiveIamEndpoint.SigningRegion | Should -Be $IamRegion
        $config.EffectiveIamEndpoint.Source | Should -Be 'Default'
        $config.EffectiveStsEndpoints.Count | Should -Be 1
        $config.EffectiveStsEndpoints[0].Url | Should -Be $Sts
        $config.EffectiveStsEndpoints[0].SigningRegion | Should -Be $Region
        "$($config.EffectiveIamEndpoint)" | Should -Be "$Iam ($IamRegion, default)"
    }

    It 'takes Vault''s STS fields and lists the STS endpoints in the order they are tried' {
        Set-AwsRootConfig -region us-east-1 -sts_region us-east-2 -sts_endpoint https://sts.us-east-2.amazonaws.com `
            -sts_fallback_endpoints 'https://sts.us-west-2.amazonaws.com,https://sts.us-east-1.amazonaws.com' -sts_fallback_regions 'us-west-2,us-east-1'
        $config = Get-AwsRootConfig
        $config.StsRegion | Should -Be 'us-east-2'
        $config.StsFallbackEndpoints | Should -Be @('https://sts.us-west-2.amazonaws.com/', 'https://sts.us-east-1.amazonaws.com/')
        $config.StsFallbackRegions | Should -Be @('us-west-2', 'us-east-1')
        @($config.EffectiveStsEndpoints | ForEach-Object { "$($_.Url) $($_.SigningRegion) $($_.Source)" }) | Should -Be @(
            'https://sts.us-east-2.amazonaws.com/ us-east-2 RootConfig'
            'https://sts.us-west-2.amazonaws.com/ us-west-2 RootConfig'
            'https://sts.us-east-1.amazonaws.com/ us-east-1 RootConfig'
        )

        Set-AwsRootConfig -StsFallbackEndpoint @() -StsFallbackRegion @()
        (Get-AwsRootConfig).EffectiveStsEndpoints.Count | Should -Be 1
    }

    It 'refuses fallback lists of different lengths and regions of another partition' {
        $err = Get-Failure { Set-AwsRootConfig -StsFallbackEndpoint https://sts.us-west-2.amazonaws.com }
        $err.FullyQualifiedErrorId | Should -BeLike 'DynamicAwsCreds.InvalidStsFallback,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'

        $err = Get-Failure { Set-AwsRootConfig -Region cn-north-1 -StsRegion us-east-1 }
        $err.FullyQualifiedErrorId | Should -BeLike 'DynamicAwsCreds.PartitionMismatch,*'
        $err.TargetObject | Should -Be 'us-east-1'
        (Get-AwsRootConfig).Partition | Should -Be 'aws'
    }

    It 'checks role ARNs against the partition of the mount''s region' {
        Set-AwsRootConfig -Region cn-north-1
        $err = Get-Failure { Set-AwsRole dev -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess }
        $err.FullyQualifiedErrorId | Should -BeLike 'DynamicAwsCreds.PartitionMismatch,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.TargetObject | Should -Be 'arn:aws:iam::aws:policy/ReadOnlyAccess'
        Get-AwsRole | Should -BeNullOrEmpty
        (Get-Failure { Set-AwsRole dev -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess -WhatIf }).FullyQualifiedErrorId |
            Should -BeLike 'DynamicAwsCreds.PartitionMismatch,*'

        Set-AwsRole dev -PolicyArn arn:aws-cn:iam::aws:policy/ReadOnlyAccess -PassThru | Select-Object -ExpandProperty PolicyArns |
            Should -Be 'arn:aws-cn:iam::aws:policy/ReadOnlyAccess'
    }
}

Describe 'A root config changed in another pwsh' {
    BeforeAll {
        $script:server = Start-TestLocalAws
        $script:second = Start-TestLocalAws
    }
    AfterAll {
        Stop-LocalAws $script:server
        Stop-LocalAws $script:second
    }
    BeforeEach {
        $script:store = Initialize-TestStore $script:server
        Set-AwsRole dev -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess
        # This session's engine now holds clients for the mount.
        Get-AwsCredential dev | Out-Null
    }
    AfterEach {
        Revoke-Lease -Prefix aws/ -Force -ErrorAction SilentlyContinue | Out-Null
        Remove-TestStore $script:store
    }

    It 'sends the next call here to the endpoint the other process set' {
        Invoke-FreshPwsh -StorePath $script:store -Variables @{ endpoint = $script:second.Endpoint } -Script 'Set-AwsRootConfig -IamEndpoint $endpoint'

        $lease = Get-AwsCredential dev
        Get-VaultUserNames $script:second | Should -Contain $lease.UserName
        Get-VaultUserNames $script:server | Should -Not -Contain $lease.UserName
        Revoke-Lease $lease.LeaseId | Out-Null
        Get-VaultUserNames $script:second | Should -Not -Contain $lease.UserName
    }

    It 'signs the next call here with the key the other process rotated to' {
        # Last in this block: the rotation retires the LocalAws root key the other tests start from.
        $newKey = Invoke-FreshPwsh -StorePath $script:store -Script 'Update-AwsRootCredential -Confirm:$false | ForEach-Object AccessKey'
        $newKey | Should -Not -Be $script:server.RootAccessKey

        $lease = Get-AwsCredential dev
        $create = Get-LocalAwsRequestLog $script:server | Where-Object { $_.Action -eq 'CreateUser' } | Select-Object -Last 1
        $create.AccessKeyId | Should -Be $newKey
        $create.StatusCode | Should -Be 200
        $lease.UserName | Should -BeLike 'vault-*'
    }
}
