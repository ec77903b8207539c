using System.Text.RegularExpressions;
using Xunit;

namespace DynamicAwsCreds.Tests.Architecture;

/// <summary>The shape the code keeps: small classes, and an engine that knows nothing of PowerShell.</summary>
public sealed class SourceShapeTests
{
    private const int MaxLines = 400;

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DynamicAwsCreds.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (DynamicAwsCreds.slnx) was not found above " + AppContext.BaseDirectory);
    }

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(Path.Combine(RepoRoot(), "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "obj" or "bin"));

    [Fact]
    public void No_source_file_is_over_400_lines()
    {
        var tooLong = SourceFiles()
            .Select(f => (File: Path.GetRelativePath(RepoRoot(), f), Lines: File.ReadLines(f).Count()))
            .Where(f => f.Lines > MaxLines)
            .Select(f => $"{f.File}: {f.Lines} lines")
            .ToList();
        Assert.True(tooLong.Count == 0, "Over " + MaxLines + " lines: " + string.Join(", ", tooLong));
    }

    [Fact]
    public void No_class_is_split_across_files_to_stay_under_the_limit()
    {
        // Partial is fine for generated regexes; a type declared in two files is not.
        var split = SourceFiles()
            .SelectMany(f => Regex.Matches(File.ReadAllText(f), @"\bpartial\s+(?:class|record|struct)\s+(\w+)").Select(m => (Type: m.Groups[1].Value, File: f)))
            .GroupBy(p => p.Type)
            .Where(g => g.Select(p => p.File).Distinct().Count() > 1)
            .Select(g => g.Key)
            .ToList();
        Assert.True(split.Count == 0, "Declared in several files: " + string.Join(", ", split));
    }

    [Fact]
    public void The_engine_references_no_PowerShell_assembly()
    {
        var engine = typeof(DynamicAwsCreds.Engine.EngineException).Assembly;
        var references = engine.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.DoesNotContain(references, n => n is not null && n.StartsWith("System.Management.Automation", StringComparison.Ordinal));
        var project = File.ReadAllText(Path.Combine(RepoRoot(), "src", "DynamicAwsCreds.Engine", "DynamicAwsCreds.Engine.csproj"));
        Assert.DoesNotContain("PowerShell", project, StringComparison.Ordinal);
    }
}
