#Requires -Version 7.4
# For the tests of the shared store: a fresh DynamoDB table (in dynalite) per test, each host's environment (its
# host id, and the AWS keys the SDK's default chain gives the store and KMS), and a look at the table's raw items.

Set-StrictMode -Version Latest

$script:Http = [System.Net.Http.HttpClient]::new()

# The variables a host's environment sets; any other source of the default chain is removed from it.
$script:HostVariables = 'DYNAMICAWSCREDS_HOST_ID', 'DYNAMICAWSCREDS_INTENT_DEADLINE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY',
'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE'

function New-SharedStoreUri {
    <#
    .SYNOPSIS
    A DYNAMICAWSCREDS_STORE value naming a new, not yet existing table in -Dynamo (Start-Dynalite), with KMS at
    -Server (LocalAws). The first command that needs the table creates it.
    #>
    param([Parameter(Mandatory)] $Dynamo, [Parameter(Mandatory)] $Server)
    $table = "dac-test-$([guid]::NewGuid().ToString('n').Substring(0, 12))"
    "dynamodb://${table}?region=us-east-1&endpoint=$($Dynamo.Endpoint)&kmsEndpoint=$($Server.Endpoint)"
}

function Get-SharedHostEnvironment {
    <#
    .SYNOPSIS
    The environment of one host of a shared store: its host id, -IntentDeadline (DYNAMICAWSCREDS_INTENT_DEADLINE, when
    given) and the LocalAws root keys as AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, which the SDK's default chain gives the
    store (dynalite takes any signature) and KMS (LocalAws checks it). For Start-FreshPwsh -Environment and the like.
    #>
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $HostId, [string] $IntentDeadline)
    @{
        DYNAMICAWSCREDS_HOST_ID         = $HostId
        DYNAMICAWSCREDS_INTENT_DEADLINE = if ($IntentDeadline) { $IntentDeadline } else { $null }
        AWS_ACCESS_KEY_ID               = $Server.RootAccessKey
        AWS_SECRET_ACCESS_KEY           = $Server.RootSecretKey
        AWS_SESSION_TOKEN               = $null
        AWS_PROFILE                     = $null
        AWS_DEFAULT_PROFILE             = $null
    }
}

function Enter-SharedHost {
    <#
    .SYNOPSIS
    Makes this process a host of the shared store -Store (Get-SharedHostEnvironment's variables and
    DYNAMICAWSCREDS_STORE); returns what those variables held before, for Exit-SharedHost.
    #>
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $Store, [string] $HostId = 'pester')
    $saved = @{}
    foreach ($name in $script:HostVariables + 'DYNAMICAWSCREDS_STORE') { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
    $environment = Get-SharedHostEnvironment -Server $Server -HostId $HostId
    $environment.DYNAMICAWSCREDS_STORE = $Store
    Set-ProcessEnvironment $environment
    $saved
}

function Exit-SharedHost {
    <# .SYNOPSIS Puts back the variables Enter-SharedHost returned. #>
    param([Parameter(Mandatory)] [hashtable] $Saved)
    Set-ProcessEnvironment $Saved
}

# Sets each variable, or removes it when its value is $null (SetEnvironmentVariable from PowerShell would set '').
function Set-ProcessEnvironment([hashtable] $Environment) {
    foreach ($name in $Environment.Keys) {
        if ($null -eq $Environment[$name]) { Remove-Item "env:$name" -ErrorAction SilentlyContinue }
        else { Set-Item "env:$name" -Value $Environment[$name] }
    }
}

function Get-SharedStoreTable {
    <# .SYNOPSIS The table name in a DYNAMICAWSCREDS_STORE value of the dynamodb:// form. #>
    param([Parameter(Mandatory)] [string] $Store)
    ([Uri]$Store).Host
}

function Get-DynamoTableText {
    <#
    .SYNOPSIS
    Every item of -Table in -Dynamo, as the raw JSON text of DynamoDB's Scan answers (all pages): what anyone with
    dynamodb:Scan on the table would read.
    #>
    param([Parameter(Mandatory)] $Dynamo, [Parameter(Mandatory)] [string] $Table)
    $pages = [System.Collections.Generic.List[string]]::new()
    $start = $null
    do {
        $body = @{ TableName = $Table }
        if ($start) { $body.ExclusiveStartKey = $start }
        $text = Invoke-DynamoDb -Dynamo $Dynamo -Operation Scan -Body $body
        $pages.Add($text)
        $start = ($text | ConvertFrom-Json -AsHashtable)['LastEvaluatedKey']
    } while ($start)
    $pages -join "`n"
}

# One DynamoDB JSON-protocol call. dynalite checks that a request is signed in form but not the signature itself.
function Invoke-DynamoDb($Dynamo, [string] $Operation, [hashtable] $Body) {
    $now = [DateTime]::UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", [Globalization.CultureInfo]::InvariantCulture)
    $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::Post, $Dynamo.Endpoint.TrimEnd('/') + '/')
    try {
        $request.Content = [System.Net.Http.StringContent]::new(($Body | ConvertTo-Json -Depth 10 -Compress), [Text.Encoding]::UTF8)
        $request.Content.Headers.ContentType = [System.Net.Http.Headers.MediaTypeHeaderValue]::new('application/x-amz-json-1.0')
        $null = $request.Headers.TryAddWithoutValidation('X-Amz-Target', "DynamoDB_20120810.$Operation")
        $null = $request.Headers.TryAddWithoutValidation('X-Amz-Date', $now)
        $null = $request.Headers.TryAddWithoutValidation('Authorization',
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/$($now.Substring(0, 8))/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0")
        $response = $script:Http.SendAsync($request).GetAwaiter().GetResult()
        try {
            $text = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
            if (-not $response.IsSuccessStatusCode) { throw "DynamoDB $Operation failed ($([int]$response.StatusCode)): $text" }
            $text
        }
        finally { $response.Dispose() }
    }
    finally { $request.Dispose() }
}

Export-ModuleMember -Function New-SharedStoreUri, Get-SharedHostEnvironment, Enter-SharedHost, Exit-SharedHost, Get-SharedStoreTable, Get-DynamoTableText
