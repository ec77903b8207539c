namespace DynamicAwsCreds.Engine;

/// <summary>Where an engine operation reports as it goes; the cmdlets turn these into verbose, warning and progress records.</summary>
public interface IOperationEvents
{
    void Verbose(string message);
    void Warning(string message);
    void Progress(int completed, int total, string status);
}

public sealed class NoOperationEvents : IOperationEvents
{
    public static readonly NoOperationEvents Instance = new();
    public void Verbose(string message) { }
    public void Warning(string message) { }
    public void Progress(int completed, int total, string status) { }
}
