# Get-Help over the built module, as a user reads it: every exported cmdlet has real help (from
# en-US/DynamicAwsCreds.dll-Help.xml, built from docs/help by build/New-MamlHelp.ps1), with a
# synopsis, a description, every parameter described, at least two examples and an output type;
# and the about_DynamicAwsCreds topic is there.
BeforeDiscovery {
    $script:cmdletNames = @(
        (Import-PowerShellDataFile (Join-Path $env:DYNAMICAWSCREDS_TEST_MODULE 'DynamicAwsCreds.psd1')).CmdletsToExport
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:module = Import-Module (Get-TestModulePath) -Force -PassThru
    $script:common = [System.Management.Automation.PSCmdlet]::CommonParameters

    function Get-HelpText($Value) {
        # Help text comes as arrays of objects with a Text property (or plain strings).
        (@($Value) | Where-Object { $null -ne $_ } | ForEach-Object { if ($_ -is [string]) { $_ } else { $_.Text } }) -join "`n"
    }
}

Describe 'Help for <_>' -ForEach $script:cmdletNames {
    BeforeAll {
        $script:name = $_
        $script:command = Get-Command $script:name -Module $script:module.Name
        $script:help = Get-Help $script:name -Full
    }

    It 'comes from the MAML help file, not the generated stub' {
        $script:help.PSObject.TypeNames | Should -Contain 'MamlCommandHelpInfo' -Because "$script:name needs docs/help/$script:name.md"
    }

    It 'has a synopsis' {
        $synopsis = ([string]$script:help.Synopsis).Trim()
        $synopsis | Should -Not -BeNullOrEmpty
        # Without help, Get-Help's synopsis is the syntax: the cmdlet name and its parameters.
        $synopsis | Should -Not -Match "^$([regex]::Escape($script:name))(\s|$)"
    }

    It 'has a description' {
        (Get-HelpText $script:help.description).Trim() | Should -Not -BeNullOrEmpty
    }

    It 'documents every parameter, each with a description' {
        $expected = @($script:command.Parameters.Keys | Where-Object { $_ -notin $script:common })
        $documented = @{}
        foreach ($p in @($script:help.parameters.parameter | Where-Object { $null -ne $_ })) {
            $documented[[string]$p.name] = (Get-HelpText $p.description).Trim()
        }
        foreach ($parameter in $expected) {
            $documented.Keys | Should -Contain $parameter -Because "-$parameter of $script:name needs a '### -$parameter' entry"
            $documented[$parameter] | Should -Not -BeNullOrEmpty -Because "-$parameter of $script:name needs a description"
        }
        foreach ($parameter in $documented.Keys) {
            $expected | Should -Contain $parameter -Because "the help of $script:name documents -$parameter, which the cmdlet does not have"
        }
    }

    It 'shows one syntax per parameter set' {
        @($script:help.syntax.syntaxItem | Where-Object { $null -ne $_ }).Count | Should -Be $script:command.ParameterSets.Count
    }

    It 'has at least two examples, each with code' {
        $examples = @($script:help.examples.example | Where-Object { $null -ne $_ })
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) {
            ([string]$example.code).Trim() | Should -Not -BeNullOrEmpty -Because "example '$($example.title)' needs code"
        }
    }

    It 'names an output type' {
        # Get-Help merges several returnValue entries into one, their type names separated by white space.
        $types = @($script:help.returnValues.returnValue | Where-Object { $null -ne $_ } |
                ForEach-Object { ([string]$_.type.name) -split '\s+' } | Where-Object { $_ })
        $types.Count | Should -BeGreaterThan 0
        foreach ($declared in $script:command.OutputType) {
            $types | Where-Object { $_ -eq $declared.Name -or $_ -like "*.$($declared.Name)" } |
                Should -Not -BeNullOrEmpty -Because "$script:name declares [OutputType($($declared.Name))]"
        }
    }
}

Describe 'about_DynamicAwsCreds' {
    It 'ships in the module''s en-US folder' {
        Join-Path (Get-TestModulePath) 'en-US/about_DynamicAwsCreds.help.txt' | Should -Exist
    }

    It 'is found by Get-Help' {
        $topic = Get-Help about_DynamicAwsCreds | Out-String
        $topic | Should -Match 'about_DynamicAwsCreds'
        $topic | Should -Match 'SHORT DESCRIPTION'
        $topic | Should -Match 'Revoke-Lease -Prefix'
    }
}
