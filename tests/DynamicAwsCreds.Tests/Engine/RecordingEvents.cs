using DynamicAwsCreds.Engine;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>Keeps the warnings and verbose lines an engine operation reports.</summary>
internal sealed class RecordingEvents : IOperationEvents
{
    public List<string> Warnings { get; } = [];
    public List<string> VerboseLines { get; } = [];
    public void Verbose(string message) { lock (VerboseLines) { VerboseLines.Add(message); } }
    public void Warning(string message) { lock (Warnings) { Warnings.Add(message); } }
    public void Progress(int completed, int total, string status) { }
}
