using System.Management.Automation;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace DynamicAwsCreds;

/// <summary>
/// Loads the engine and its dependencies (AWSSDK.*, Microsoft.Data.Sqlite, SQLitePCLRaw) in a private
/// AssemblyLoadContext, so this module lives beside AWS Tools for PowerShell and its own AWSSDK.Core,
/// and resolves SQLite's native library for this platform from the one module folder.
/// </summary>
public sealed class ModuleInit : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport()
    {
        DependencyLoadContext.Register();
        NativeHelperFile.RestoreExecuteBits();
    }

    public void OnRemove(PSModuleInfo psModuleInfo) => EngineRegistry.DisposeAll();

    /// <summary>Runs when this assembly loads, before any cmdlet can touch an engine type.</summary>
#pragma warning disable CA2255 // A library may use it here: the resolver must exist before any engine type is touched.
    [ModuleInitializer]
    internal static void OnAssemblyLoad() => DependencyLoadContext.Register();
#pragma warning restore CA2255
}

internal sealed class DependencyLoadContext : AssemblyLoadContext
{
    private const string EngineAssemblyName = "DynamicAwsCreds.Engine";
    private static readonly object Gate = new();
    private static DependencyLoadContext? _instance;
    private readonly string _folder;

    private DependencyLoadContext(string folder) : base("DynamicAwsCreds", isCollectible: false) => _folder = folder;

    /// <summary>The folder beside the cmdlet assembly that holds the engine and every dependency.</summary>
    public static string DependencyFolder =>
        Path.Combine(Path.GetDirectoryName(typeof(DependencyLoadContext).Assembly.Location)!, "dependencies");

    public static void Register()
    {
        lock (Gate)
        {
            if (_instance is not null)
            {
                return;
            }

            var folder = DependencyFolder;
            if (!File.Exists(Path.Combine(folder, EngineAssemblyName + ".dll")))
            {
                // Not a built module folder (for example the project's own bin folder): default probing applies.
                return;
            }

            _instance = new DependencyLoadContext(folder);
            AssemblyLoadContext.Default.Resolving += ResolveEngine;
        }
    }

    // Only the engine is handed to the default context; everything it needs resolves inside this context.
    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == EngineAssemblyName && _instance is { } alc
            ? alc.LoadFromAssemblyName(name)
            : null;

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var candidate = Path.Combine(_folder, assemblyName.Name + ".dll");
        return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = NativeLibraryPath(unmanagedDllName);
        return path is not null && File.Exists(path) ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
    }

    private string? NativeLibraryPath(string name)
    {
        var rid = RuntimeIdentifier();
        if (rid is null)
        {
            return null;
        }

        var bare = Path.GetFileNameWithoutExtension(name);
        var file = OperatingSystem.IsWindows() ? bare + ".dll"
            : OperatingSystem.IsMacOS() ? "lib" + bare + ".dylib"
            : "lib" + bare + ".so";
        return Path.Combine(_folder, "runtimes", rid, "native", file);
    }

    /// <summary>This platform's portable runtime identifier (linux-x64, osx-arm64, win-x64, …); null for one the module has no files for.</summary>
    internal static string? RuntimeIdentifier()
    {
        var arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.Arm64 => "arm64",
            Architecture.X86 => "x86",
            Architecture.Arm => "arm",
            _ => null,
        };
        if (arch is null)
        {
            return null;
        }

        if (OperatingSystem.IsWindows())
        {
            return "win-" + arch;
        }

        if (OperatingSystem.IsMacOS())
        {
            return "osx-" + arch;
        }

        // musl (Alpine) needs its own build of the library.
        var musl = File.Exists("/etc/alpine-release") ? "musl-" : string.Empty;
        return OperatingSystem.IsLinux() ? $"linux-{musl}{arch}" : null;
    }
}
