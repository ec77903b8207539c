# Root credentials from the AWS SDK's default chain (Set-AwsRootConfig with no keys), one source at a time. Each
# case runs the module in fresh pwsh processes whose environment holds that source and nothing else: the other
# sources' variables are removed, the shared credentials/config files point at paths that do not exist, and
# AWS_EC2_METADATA_DISABLED=true (plus a metadata endpoint on a closed loopback port) keeps every test away from the
# instance metadata address 169.254.169.254. Each case gets its own LocalAws, whose request log tells which
# identity signed the IAM calls.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:readOnly = 'arn:aws:iam::aws:policy/ReadOnlyAccess'
    $script:rootArn = 'arn:aws:iam::123456789012:user/localaws-root'

    # Every variable through which the SDK's default chain finds credentials, plus region and metadata settings.
    $script:chainVariables = @(
        'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ACCESS_KEY', 'AWS_SECRET_KEY',
        'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE',
        'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
        'AWS_CONTAINER_AUTHORIZATION_TOKEN', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
        'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_ROLE_SESSION_NAME',
        'AWS_EC2_METADATA_DISABLED', 'AWS_EC2_METADATA_SERVICE_ENDPOINT', 'AWS_REGION', 'AWS_DEFAULT_REGION'
    )

    # What every child reports: the chain variables it saw, the credential source, and the issued lease or the error.
    $script:issueScript = @'
$seen = @(Get-ChildItem env: | Where-Object Name -in $cfg.ChainVariables | ForEach-Object Name | Sort-Object)
Enable-SecretsEngine aws | Out-Null
Set-AwsRole dev -PolicyArn $cfg.PolicyArn
Set-AwsRootConfig -IamEndpoint $cfg.Endpoint -StsEndpoint $cfg.Endpoint
$result = [ordered]@{
    AwsVariables = $seen
    Source = (Get-AwsRootConfig).CredentialSource
    LeaseId = $null
    UserName = $null
    AccessKey = $null
    ErrorId = $null
    Error = $null
}
try {
    $cred = Get-AwsCredential dev
    $result.LeaseId = $cred.LeaseId
    $result.UserName = $cred.UserName
    $result.AccessKey = $cred.AccessKey
}
catch {
    $result.ErrorId = $_.FullyQualifiedErrorId
    $e = $_.Exception
    $messages = while ($e) { $e.Message; $e = $e.InnerException }
    $result.Error = $messages -join ' --> '
}
[pscustomobject]$result
'@

    $script:revokeScript = @'
$r = Revoke-Lease -Prefix aws/creds/dev
[pscustomobject]@{ Revoked = $r.Revoked; Failed = $r.Failed; Source = (Get-AwsRootConfig).CredentialSource }
'@

    # Sets or removes (when $null) an environment variable of this process; children inherit it. (Passing $null to
    # [Environment]::SetEnvironmentVariable from PowerShell sets an empty value instead of removing the variable.)
    function Set-ProcessVariable([string] $Name, $Value) {
        if ($null -eq $Value) { Remove-Item "env:$Name" -ErrorAction SilentlyContinue }
        else { Set-Item "env:$Name" -Value $Value }
    }

    <#
    Runs a script in a fresh pwsh (Invoke-FreshPwsh) whose environment has no credential source but those in
    $Environment. The variables are set in this process around the call, so the child has them from its first
    instruction, before the module or the AWS SDK load; they are restored afterwards.
    #>
    function Invoke-ChainPwsh {
        param(
            [Parameter(Mandatory)] [string] $Script,
            [hashtable] $Environment = @{}
        )
        $isolated = @{}
        foreach ($name in $script:chainVariables) { $isolated[$name] = $null }
        $isolated['AWS_SHARED_CREDENTIALS_FILE'] = Join-Path $script:scratch 'no-such-credentials'
        $isolated['AWS_CONFIG_FILE'] = Join-Path $script:scratch 'no-such-config'
        $isolated['AWS_EC2_METADATA_DISABLED'] = 'true'
        $isolated['AWS_EC2_METADATA_SERVICE_ENDPOINT'] = 'http://127.0.0.1:9/'
        $isolated['AWS_REGION'] = 'us-east-1'
        foreach ($name in $Environment.Keys) { $isolated[$name] = $Environment[$name] }

        $saved = @{}
        foreach ($name in $isolated.Keys) { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
        try {
            foreach ($name in $isolated.Keys) { Set-ProcessVariable $name $isolated[$name] }
            Invoke-FreshPwsh -StorePath $script:store -Script $Script -Variables @{
                cfg = @{ Endpoint = $script:server.Endpoint; PolicyArn = $script:readOnly; ChainVariables = $script:chainVariables }
            }
        }
        finally {
            foreach ($name in $saved.Keys) { Set-ProcessVariable $name $saved[$name] }
        }
    }

    # The chain variables a child must see: the isolation settings plus the case's own variables. (Other AWS_*
    # variables of the environment, such as AWS_CA_BUNDLE, are no credential source and are left alone.)
    function Get-ExpectedVariables([hashtable] $Environment) {
        @(@('AWS_CONFIG_FILE', 'AWS_EC2_METADATA_DISABLED', 'AWS_EC2_METADATA_SERVICE_ENDPOINT', 'AWS_REGION', 'AWS_SHARED_CREDENTIALS_FILE') +
            @($Environment.Keys) | Sort-Object -Unique)
    }

    # The requests LocalAws logged after the first $Skip ones.
    function Get-NewRequests([int] $Skip) { @(Get-LocalAwsRequestLog $script:server | Select-Object -Skip $Skip) }

    <#
    Issues in one fresh process, checks the user in LocalAws, revokes in another fresh process. Every IAM/STS call
    the two processes made must have been signed by $ExpectedCaller (a wildcard). Returns the requests they made.
    #>
    function Test-ChainIssuesAndRevokes([hashtable] $Environment, [string] $ExpectedCaller) {
        $before = @(Get-LocalAwsRequestLog $script:server).Count
        $issued = Invoke-ChainPwsh -Script $script:issueScript -Environment $Environment
        $moduleRequests = Get-NewRequests $before
        $issued.AwsVariables | Should -Be (Get-ExpectedVariables $Environment)
        $issued.Source | Should -Be 'DefaultChain'
        $issued.ErrorId | Should -BeNullOrEmpty -Because "Get-AwsCredential should succeed, but failed with: $($issued.Error)"
        $issued.LeaseId | Should -Match '^aws/creds/dev/[A-Za-z0-9]{24}$'
        $issued.UserName | Should -BeLike 'vault-*'
        $issued.AccessKey | Should -Match '^AKIA'

        Get-VaultUserNames $script:server | Should -Be @($issued.UserName)
        $user = Invoke-LocalIam -Server $script:server -Action GetUser -Parameters @{ UserName = $issued.UserName }
        $user.GetUserResponse.GetUserResult.User.UserName | Should -Be $issued.UserName
        Wait-Until -Because 'ListAttachedUserPolicies shows ReadOnlyAccess' {
            $attached = Invoke-LocalIam -Server $script:server -Action ListAttachedUserPolicies -Parameters @{ UserName = $issued.UserName }
            @($attached.ListAttachedUserPoliciesResponse.ListAttachedUserPoliciesResult.AttachedPolicies.member.PolicyArn) -contains $script:readOnly
        }

        $before = @(Get-LocalAwsRequestLog $script:server).Count
        $revoked = Invoke-ChainPwsh -Script $script:revokeScript -Environment $Environment
        $moduleRequests += Get-NewRequests $before
        $revoked.Source | Should -Be 'DefaultChain'
        $revoked.Revoked | Should -Be 1
        $revoked.Failed | Should -Be 0
        Get-VaultUserNames $script:server | Should -BeNullOrEmpty

        # The identity the chain produced is the one that created and deleted the user, and signed every call.
        $signed = @($moduleRequests | Where-Object Service -in 'iam', 'sts')
        @($signed | Where-Object { $_.Action -eq 'CreateUser' -and $_.StatusCode -eq 200 }).Count | Should -Be 1
        @($signed | Where-Object { $_.Action -eq 'DeleteUser' -and $_.StatusCode -eq 200 }).Count | Should -Be 1
        @($signed | Where-Object CallerArn -NotLike $ExpectedCaller | ForEach-Object { "$($_.Action) by $($_.CallerArn) ($($_.StatusCode) $($_.ErrorCode))" }) |
            Should -BeNullOrEmpty
        $moduleRequests
    }
}

Describe 'Root credentials from the AWS SDK default chain' {
    BeforeEach {
        $script:containerToken = 'ct-' + [guid]::NewGuid().ToString('n')
        $script:server = Start-TestLocalAws -ArgumentList '--container-auth-token', $script:containerToken
        $script:store = New-TestStore
        $script:scratch = Join-Path ([IO.Path]::GetTempPath()) "dac-chain-$([guid]::NewGuid().ToString('n'))"
        New-Item -ItemType Directory -Path $script:scratch | Out-Null
    }
    AfterEach {
        if ($script:server) { Stop-LocalAws $script:server }
        Remove-TestStore $script:store
        Remove-Item $script:scratch -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'uses AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment' {
        Test-ChainIssuesAndRevokes -ExpectedCaller $script:rootArn -Environment @{
            AWS_ACCESS_KEY_ID     = $script:server.RootAccessKey
            AWS_SECRET_ACCESS_KEY = $script:server.RootSecretKey
        } | Out-Null
    }

    It 'uses the AWS_PROFILE profile of the shared credentials file, with no key in the environment' {
        $credentials = Join-Path $script:scratch 'credentials'
        $config = Join-Path $script:scratch 'config'
        # A [default] profile with a key LocalAws does not know: using it instead of [ci] would fail.
        Set-Content -Path $credentials -Value @(
            '[default]'
            'aws_access_key_id = AKIDWRONGPROFEXAMPLE'
            'aws_secret_access_key = wrongwrongwrongwrongwrongwrongwrongwrong'
            ''
            '[ci]'
            "aws_access_key_id = $($script:server.RootAccessKey)"
            "aws_secret_access_key = $($script:server.RootSecretKey)"
        )
        Set-Content -Path $config -Value ''

        Test-ChainIssuesAndRevokes -ExpectedCaller $script:rootArn -Environment @{
            AWS_SHARED_CREDENTIALS_FILE = $credentials
            AWS_CONFIG_FILE             = $config
            AWS_PROFILE                 = 'ci'
        } | Out-Null
    }

    It 'uses the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN)' {
        $script:server.ContainerCredentialsUri | Should -BeLike 'http://127.0.0.1:*/container-credentials/localaws-container-role'
        $requests = Test-ChainIssuesAndRevokes -ExpectedCaller 'arn:aws:sts::123456789012:assumed-role/localaws-container-role/*' -Environment @{
            AWS_CONTAINER_CREDENTIALS_FULL_URI = $script:server.ContainerCredentialsUri
            AWS_CONTAINER_AUTHORIZATION_TOKEN  = $script:containerToken
        }

        # Each process fetched the credentials once, with the token (never refused).
        @($requests | Where-Object Action -eq 'ContainerCredentials' | ForEach-Object StatusCode) | Should -Be @(200, 200)
        $role = Invoke-LocalIam -Server $script:server -Action GetRole -Parameters @{ RoleName = 'localaws-container-role' }
        $role.GetRoleResponse.GetRoleResult.Role.Arn | Should -Be 'arn:aws:iam::123456789012:role/localaws-container-role'
    }

    It 'fails with RootCredentialsMissing and issues nothing when no source is configured' {
        $started = [Diagnostics.Stopwatch]::StartNew()
        $result = Invoke-ChainPwsh -Script $script:issueScript
        $started.Stop()

        $result.AwsVariables | Should -Be (Get-ExpectedVariables @{})
        $result.Source | Should -Be 'DefaultChain'
        $result.LeaseId | Should -BeNullOrEmpty
        $result.ErrorId | Should -BeLike 'DynamicAwsCreds.RootCredentialsMissing*' -Because "the error was: $($result.Error)"
        Get-VaultUserNames $script:server | Should -BeNullOrEmpty
        @(Get-LocalAwsRequestLog $script:server | Where-Object Action -eq 'CreateUser') | Should -BeNullOrEmpty
        # With instance metadata disabled the chain gives up at once instead of waiting on 169.254.169.254.
        $started.Elapsed.TotalSeconds | Should -BeLessThan 30
    }
}
