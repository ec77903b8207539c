# Choosing the store and moving to it: DYNAMICAWSCREDS_STORE names a SQLite file or a DynamoDB table, and a malformed
# value is DynamicAwsCreds.InvalidStoreLocation from the next cmdlet, changing nothing; Get-SecretsEngine shows the
# store in use; Copy-LeaseStore -WhatIf shows what it would copy and writes nothing, and its bad input is refused
# before anything is written; AWSSDK.DynamoDBv2 loads only inside the module's private load context.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../Fixtures/FixtureHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force

    $script:secretKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'

    function Get-StoreSnapshot([string] $Store) {
        # -shm is SQLite's shared-memory index, rewritten by reads; the data lives in the db and its -wal.
        Get-ChildItem (Split-Path $Store) -File -Force | Where-Object Name -NotLike '*-shm' | Sort-Object Name | ForEach-Object {
            "$($_.Name):$((Get-FileHash $_.FullName -Algorithm SHA256).Hash)"
        }
    }

    # A loopback port nothing listens on: a DynamoDB store there cannot be reached.
    function Get-ClosedPort {
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
    }

    function Invoke-ModuleScript([string] $Script, [hashtable] $Environment) {
        $file = Join-Path ([IO.Path]::GetTempPath()) "dac-store-$([guid]::NewGuid().ToString('n')).ps1"
        Set-Content -Path $file -Value ("`$ErrorActionPreference = 'Stop'`nImport-Module '$((Get-TestModulePath) -replace "'", "''")'`n" + $Script)
        try { Invoke-Pwsh -File $file -Environment $Environment -TimeoutSeconds 120 }
        finally { Remove-Item $file -ErrorAction SilentlyContinue }
    }
}

Describe 'Choosing the store' {
    BeforeAll {
        $script:store = New-TestStore
        $env:DYNAMICAWSCREDS_STORE = $script:store
        Enable-SecretsEngine aws | Out-Null
        Enable-SecretsEngine aws -Path team/aws | Out-Null
        Set-AwsRole dev -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess
        Set-AwsRootConfig -AccessKey AKIAIOSFODNN7EXAMPLE -SecretKey $script:secretKey | Out-Null
    }
    AfterAll {
        $env:DYNAMICAWSCREDS_STORE = $script:store
        Remove-TestStore $script:store
    }

    It 'a DYNAMICAWSCREDS_STORE with <Name> is DynamicAwsCreds.InvalidStoreLocation from <Cmdlet>, and changes nothing' -ForEach @(
        @{ Name = 'another scheme'; Value = 'https://dynamodb.us-east-1.amazonaws.com/team-leases'; Cmdlet = 'Get-SecretsEngine' }
        @{ Name = 'no region'; Value = 'dynamodb://team-leases'; Cmdlet = 'Get-AwsRole' }
        @{ Name = 'a malformed region'; Value = 'dynamodb://team-leases?region=US_EAST_1'; Cmdlet = 'Get-Lease' }
        @{ Name = 'an unknown setting'; Value = 'dynamodb://team-leases?region=us-east-1&profile=dev'; Cmdlet = 'Get-SecretsEngine' }
        @{ Name = 'the region twice'; Value = 'dynamodb://team-leases?region=us-east-1&region=eu-west-1'; Cmdlet = 'Enable-SecretsEngine' }
        @{ Name = 'a table name too short'; Value = 'dynamodb://ab?region=us-east-1'; Cmdlet = 'Set-AwsRole' }
        @{ Name = 'a path after the table'; Value = 'dynamodb://team-leases/leases?region=us-east-1'; Cmdlet = 'Get-SecretsEngine' }
        @{ Name = 'an endpoint that is not http'; Value = 'dynamodb://team-leases?region=us-east-1&endpoint=tcp://127.0.0.1:8000'; Cmdlet = 'Get-SecretsEngine' }
        @{ Name = 'a user-info part'; Value = 'dynamodb://admin:hunter2@team-leases?region=us-east-1'; Cmdlet = 'Get-SecretsEngine' }
    ) {
        $before = Get-StoreSnapshot $script:store
        $command = switch ($Cmdlet) {
            'Enable-SecretsEngine' { { Enable-SecretsEngine aws -Path other } }
            'Set-AwsRole' { { Set-AwsRole ops -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess } }
            default { [scriptblock]::Create($Cmdlet) }
        }
        $err = $null
        $env:DYNAMICAWSCREDS_STORE = $Value
        try { & $command | Out-Null } catch { $err = $_ } finally { $env:DYNAMICAWSCREDS_STORE = $script:store }

        $err | Should -Not -BeNullOrEmpty -Because 'a malformed store location must fail'
        $err.FullyQualifiedErrorId | Should -BeLike "DynamicAwsCreds.InvalidStoreLocation,*$($Cmdlet -replace '-')Command"
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -BeLike '*DYNAMICAWSCREDS_STORE*dynamodb://<table>?region=<region>*'
        "$($err.TargetObject) $($err.Exception.Message)" | Should -Not -Match 'hunter2'
        Get-StoreSnapshot $script:store | Should -Be $before
        @(Get-SecretsEngine).Path | Should -Be @('aws', 'team/aws') -Because 'the store in use stays usable'
    }

    It 'Get-SecretsEngine shows the store in use and its kind, above an 80-column table' {
        $mounts = @(Get-SecretsEngine)
        $mounts.StorePath | Should -Be @($script:store, $script:store)
        $mounts.StoreKind | Should -Be @('SQLite', 'SQLite')

        $lines = @((Get-SecretsEngine | Out-String -Width 200) -split "`r?`n" | ForEach-Object TrimEnd | Where-Object { $_ })
        $lines[0].Trim() | Should -Be "Store: $($script:store) (SQLite)"
        $lines[1] | Should -Match '^Path\s+Type\s+LeaseCount\s+DefaultLeaseTtl\s+MaxLeaseTtl\s+Description$'
        $lines | Select-Object -Skip 1 | ForEach-Object { $_.Length | Should -BeLessOrEqual 80 -Because $_ }
    }

    It 'Copy-LeaseStore -WhatIf prints the mounts and counts it would copy, and writes nothing, not even the table' {
        $before = Get-StoreSnapshot $script:store
        $destination = "dynamodb://team-leases?region=us-east-1&endpoint=http://127.0.0.1:$(Get-ClosedPort)"

        # WhatIf lines go to the host, so a fresh pwsh's output is read. Opening the table would fail: nothing listens there.
        $run = Invoke-ModuleScript -Environment @{ DYNAMICAWSCREDS_STORE = $script:store } -Script @"
`$out = Copy-LeaseStore -Destination '$destination' -KmsKeyId alias/dynamicawscreds -WhatIf
"objects: `$(@(`$out).Count)"
"@

        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        $text = ($run.StdOut -replace '\e\[[0-9;]*m') -replace '\s*\r?\n\s*', ' '
        $storeId = (Get-SecretsEngine aws).StoreId
        $text | Should -BeLike "*What if: *Copy store $storeId from '$($script:store)': 2 mount(s) (aws, team/aws), 1 role(s), 0 live lease(s), root keys sealed again with KMS;*"
        $text | Should -BeLike "*on target `"$destination`"*"
        $text | Should -BeLike '*objects: 0*'
        Get-StoreSnapshot $script:store | Should -Be $before
    }

    It 'Copy-LeaseStore with <Name> is DynamicAwsCreds.<Reason> (<Category>) before anything is written' -ForEach @(
        @{ Name = 'a file as the destination'; Reason = 'InvalidStoreLocation'; Category = 'InvalidArgument'; Target = 'FILE'; Command = { Copy-LeaseStore -Destination (Join-Path (Split-Path $script:store) 'copy.db') -UseDefaultCredentialChain } }
        @{ Name = 'a malformed destination'; Reason = 'InvalidStoreLocation'; Category = 'InvalidArgument'; Target = 'dynamodb://team-leases?region=us-east-1&table=x'; Command = { Copy-LeaseStore 'dynamodb://team-leases?region=us-east-1&table=x' -UseDefaultCredentialChain } }
        @{ Name = 'a table as the source'; Reason = 'InvalidStoreLocation'; Category = 'InvalidArgument'; Target = 'dynamodb://old-leases?region=us-east-1'; Command = { Copy-LeaseStore 'dynamodb://team-leases?region=us-east-1' -Source 'dynamodb://old-leases?region=us-east-1' -UseDefaultCredentialChain } }
        @{ Name = 'a source with no store'; Reason = 'StoreNotFound'; Category = 'ObjectNotFound'; Target = 'MISSING'; Command = { Copy-LeaseStore 'dynamodb://team-leases?region=us-east-1' -Source (Join-Path (Split-Path $script:store) 'none.db') -UseDefaultCredentialChain } }
        @{ Name = 'a KMS key id KMS cannot take'; Reason = 'InvalidKmsKeyId'; Category = 'InvalidArgument'; Target = 'alias/with space'; Command = { Copy-LeaseStore 'dynamodb://team-leases?region=us-east-1' -KmsKeyId 'alias/with space' } }
        @{ Name = 'root keys and no KMS key'; Reason = 'KmsKeyRequired'; Category = 'InvalidOperation'; Target = 'aws'; Command = { Copy-LeaseStore 'dynamodb://team-leases?region=us-east-1' -Confirm:$false } }
    ) {
        $before = Get-StoreSnapshot $script:store
        $err = $null
        try { & $Command | Out-Null } catch { $err = $_ }

        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike "DynamicAwsCreds.$Reason,*CopyLeaseStoreCommand"
        $err.CategoryInfo.Category | Should -Be $Category
        $expected = switch ($Target) {
            'FILE' { Join-Path (Split-Path $script:store) 'copy.db' }
            'MISSING' { Join-Path (Split-Path $script:store) 'none.db' }
            default { $Target }
        }
        $err.TargetObject | Should -Be $expected
        $err.Exception.Message | Should -Not -Match ([regex]::Escape($script:secretKey))
        Get-StoreSnapshot $script:store | Should -Be $before
        Test-Path (Join-Path (Split-Path $script:store) 'none.db') | Should -BeFalse
    }

    It 'Copy-LeaseStore takes -KmsKeyId or -UseDefaultCredentialChain, not both' {
        { Copy-LeaseStore 'dynamodb://team-leases?region=us-east-1' -KmsKeyId alias/x -UseDefaultCredentialChain -WhatIf } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,DynamicAwsCreds.Cmdlets.CopyLeaseStoreCommand'
    }
}

Describe 'AWSSDK.DynamoDBv2 in the private load context' {
    It 'loads inside the DynamicAwsCreds context with its AWSSDK.Core, never in the default one, and a DynamoDB store fails as a store' {
        $store = "dynamodb://team-leases?region=us-east-1&endpoint=http://127.0.0.1:$(Get-ClosedPort)"
        $run = Invoke-ModuleScript -Environment @{ DYNAMICAWSCREDS_STORE = $store; AWS_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE'; AWS_SECRET_ACCESS_KEY = $script:secretKey; AWS_EC2_METADATA_DISABLED = 'true' } -Script @'
$err = $null
try { Get-SecretsEngine | Out-Null } catch { $err = $_ }
$context = [Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'DynamicAwsCreds'
$dynamo = $context.LoadFromAssemblyName([Reflection.AssemblyName]::new('AWSSDK.DynamoDBv2'))
$config = [Activator]::CreateInstance($dynamo.GetType('Amazon.DynamoDBv2.AmazonDynamoDBConfig', $true))
[pscustomobject]@{
    ErrorId       = $err.FullyQualifiedErrorId
    Message       = $err.Exception.Message
    ConfigContext = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($config.GetType().BaseType.Assembly).Name
    Loaded        = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -like 'AWSSDK.*' } | ForEach-Object {
        [pscustomobject]@{ Name = $_.GetName().Name; Context = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name; Location = $_.Location }
    })
} | ConvertTo-Json -Depth 4
'@
        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        $seen = $run.StdOut | ConvertFrom-Json

        $seen.ErrorId | Should -Not -BeNullOrEmpty -Because 'nothing listens at the store''s endpoint'
        "$($seen.ErrorId) $($seen.Message)" | Should -Not -Match 'FileNotFound|FileLoad|TypeLoad|Could not load'
        $seen.ErrorId | Should -BeLike 'DynamicAwsCreds.StoreUnavailable,DynamicAwsCreds.Cmdlets.GetSecretsEngineCommand'
        $seen.ConfigContext | Should -Be 'DynamicAwsCreds'
        $dynamo = @($seen.Loaded | Where-Object Name -eq 'AWSSDK.DynamoDBv2')
        $dynamo.Count | Should -Be 1
        $dynamo[0].Context | Should -Be 'DynamicAwsCreds'
        Test-UnderFolder $dynamo[0].Location (Join-Path (Resolve-Path (Get-TestModulePath)).ProviderPath 'dependencies') | Should -BeTrue
        @($seen.Loaded | Where-Object Context -ne 'DynamicAwsCreds').Name | Should -BeNullOrEmpty -Because 'no AWSSDK assembly may load in the default context'
    }
}

Describe 'Copy-LeaseStore into a DynamoDB table on dynalite' {
    BeforeAll {
        $script:server = Start-TestLocalAws -ArgumentList @('--kms-key', 'alias/dynamicawscreds')
        $script:dynalite = Start-Dynalite
        $script:sqlite = Initialize-TestStore $script:server
        Set-AwsRole dev -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess
        $script:lease = Get-AwsCredential dev
        $script:table = "dynamodb://copied-$([guid]::NewGuid().ToString('n'))?region=us-east-1&endpoint=$($script:dynalite.Endpoint)"
        # The shared store's hosts sign IAM calls and reach the table with the default chain: here LocalAws's root key.
        $script:hostEnvironment = @{
            AWS_ACCESS_KEY_ID         = $script:server.RootAccessKey
            AWS_SECRET_ACCESS_KEY     = $script:server.RootSecretKey
            AWS_EC2_METADATA_DISABLED = 'true'
        }

        function Invoke-OnHost([string] $Store, [string] $Script) {
            $run = Invoke-ModuleScript -Environment ($script:hostEnvironment + @{ DYNAMICAWSCREDS_STORE = $Store }) -Script $Script
            if ($run.ExitCode -ne 0) { throw "pwsh failed (exit $($run.ExitCode)): $($run.StdOut)$($run.StdErr)" }
            $run.StdOut | ConvertFrom-Json
        }
    }
    AfterAll {
        Get-Lease | Revoke-Lease -Force -ErrorAction SilentlyContinue | Out-Null
        if ($script:dynalite) { Stop-Dynalite $script:dynalite }
        if ($script:server) { Stop-LocalAws $script:server }
        Remove-TestStore $script:sqlite
    }

    It 'copies the mount, role and live lease under the same store id, and copying again adds nothing' {
        $storeId = (Get-SecretsEngine aws).StoreId
        $copy = Invoke-OnHost $script:sqlite "Copy-LeaseStore -Destination '$($script:table)' -UseDefaultCredentialChain | ConvertTo-Json"

        ($copy.Source, $copy.Destination, $copy.StoreId) | Should -Be @($script:sqlite, $script:table, $storeId)
        $copy.Mounts | Should -Be @('aws')
        ($copy.Roles, $copy.Leases, $copy.SkippedIntents, $copy.RootKeys, $copy.Added) | Should -Be @(1, 1, 0, 'DefaultChain', 3)

        $again = Invoke-OnHost $script:sqlite "Copy-LeaseStore -Destination '$($script:table)' -UseDefaultCredentialChain | ConvertTo-Json"
        ($again.StoreId, $again.Leases, $again.Added) | Should -Be @($storeId, 1, 0) -Because 'copying again adds nothing'
    }

    It 'the copied lease is listed and revoked through the table, with the copied role and the hosts'' default chain' {
        $userName = $script:lease.UserName
        Get-VaultUserNames $script:server | Should -Contain $userName
        $shared = Invoke-OnHost $script:table @"
`$mount = Get-SecretsEngine aws
`$before = @(Get-Lease -Prefix aws/).LeaseId
`$revoked = Revoke-Lease '$($script:lease.LeaseId)'
[pscustomobject]@{
    Kind = `$mount.StoreKind; Path = `$mount.StorePath; StoreId = `$mount.StoreId; Roles = @(Get-AwsRole).Name
    Before = `$before; Revoked = `$revoked.Revoked; After = @(Get-Lease -Prefix aws/).Count
} | ConvertTo-Json
"@
        ($shared.Kind, $shared.Path, $shared.StoreId) | Should -Be @('DynamoDB', $script:table, (Get-SecretsEngine aws).StoreId)
        $shared.Roles | Should -Be @('dev')
        $shared.Before | Should -Be @($script:lease.LeaseId)
        ($shared.Revoked, $shared.After) | Should -Be @(1, 0)
        Get-VaultUserNames $script:server | Should -Not -Contain $userName
    }

    It 'refuses a table that holds another store with DynamicAwsCreds.StoreIdMismatch' {
        $other = New-TestStore
        try {
            $refused = Invoke-OnHost $other @"
Enable-SecretsEngine aws -Path other | Out-Null
`$err = `$null
try { Copy-LeaseStore -Destination '$($script:table)' -UseDefaultCredentialChain } catch { `$err = `$_ }
[pscustomobject]@{ ErrorId = `$err.FullyQualifiedErrorId; Category = "`$(`$err.CategoryInfo.Category)"; Target = `$err.TargetObject } | ConvertTo-Json
"@
            $refused.ErrorId | Should -BeLike 'DynamicAwsCreds.StoreIdMismatch,*CopyLeaseStoreCommand'
            $refused.Category | Should -Be 'InvalidOperation'
            $refused.Target | Should -Be $script:table
        }
        finally { Remove-TestStore $other }
    }

    It 'seals root keys again with KMS: the hosts of the shared store open them and issue with them' {
        $keyed = New-TestStore
        $table = "dynamodb://sealed-$([guid]::NewGuid().ToString('n'))?region=us-east-1&endpoint=$($script:dynalite.Endpoint)&kmsEndpoint=$($script:server.Endpoint)"
        try {
            $copy = Invoke-OnHost $keyed @"
Enable-SecretsEngine aws | Out-Null
Set-AwsRootConfig -AccessKey '$($script:server.RootAccessKey)' -SecretKey '$($script:server.RootSecretKey)' -IamEndpoint '$($script:server.Endpoint)' -StsEndpoint '$($script:server.Endpoint)' | Out-Null
Set-AwsRole dev -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess
Copy-LeaseStore -Destination '$table' -KmsKeyId alias/dynamicawscreds | ConvertTo-Json
"@
            ($copy.RootKeys, $copy.Mounts) | Should -Be @('Resealed', 'aws')

            $shared = Invoke-OnHost $table @'
$root = Get-AwsRootConfig
$credential = Get-AwsCredential dev
$revoked = Revoke-Lease $credential.LeaseId
[pscustomobject]@{ KmsKeyId = $root.KmsKeyId; HasSecretKey = $root.HasSecretKey; AccessKey = $root.AccessKey; Issued = $credential.UserName; Revoked = $revoked.Revoked } | ConvertTo-Json
'@
            ($shared.KmsKeyId, $shared.HasSecretKey, $shared.AccessKey) | Should -Be @('alias/dynamicawscreds', $true, $script:server.RootAccessKey)
            $shared.Issued | Should -BeLike 'vault-*'
            $shared.Revoked | Should -Be 1
        }
        finally { Remove-TestStore $keyed }
    }
}
