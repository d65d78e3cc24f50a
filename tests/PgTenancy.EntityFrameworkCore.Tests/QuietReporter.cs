using Microsoft.EntityFrameworkCore.Design.Internal;

// IOperationReporter is what dotnet ef's design-time services report through; implemented to run them in process.
#pragma warning disable EF1001

namespace PgTenancy.EntityFrameworkCore.Tests;

/// <summary>An operation reporter for in-process design-time services: errors throw, the rest is dropped.</summary>
internal sealed class QuietReporter : IOperationReporter
{
    public void WriteError(string message) => throw new InvalidOperationException(message);

    public void WriteWarning(string message)
    {
    }

    public void WriteInformation(string message)
    {
    }

    public void WriteVerbose(string message)
    {
    }
}
