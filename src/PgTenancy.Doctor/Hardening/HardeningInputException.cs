namespace PgTenancy.Doctor.Hardening;

/// <summary>The hardening input is unsafe or incomplete; <see cref="Exception.Message"/> lists every problem with its reason. Nothing was written.</summary>
internal sealed class HardeningInputException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HardeningInputException()
        : this("The hardening input is invalid.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public HardeningInputException(string message)
        : base(message)
    {
        Problems = [message];
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public HardeningInputException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [message];
    }

    internal HardeningInputException(IReadOnlyList<string> problems)
        : base("The hardening input is refused:\n" + string.Join("\n", problems.Select(p => "  - " + p)))
    {
        Problems = problems;
    }

    /// <summary>Each problem, with its reason.</summary>
    public IReadOnlyList<string> Problems { get; }
}
