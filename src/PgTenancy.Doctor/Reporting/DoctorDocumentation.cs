using System.Reflection;

namespace PgTenancy.Doctor.Reporting;

/// <summary>Where the doctor's documentation lives, for help links (one place, set from the build's repository URL).</summary>
internal static class DoctorDocumentation
{
    public static Uri Base { get; } = new(
        typeof(DoctorDocumentation).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "PgTenancyDocs")?.Value
        ?? "https://github.com/pgtenancy/pgtenancy/blob/main/docs/");

    public static Uri HelpFor(DoctorCheck check) => new(Base, check.HelpAnchor);
}
