using Xunit;

namespace PgTenancy.Doctor.Tests;

/// <summary>The doctor reports are made once and shared by every class that reads them.</summary>
[CollectionDefinition(Name)]
public sealed class DoctorReports : ICollectionFixture<DoctorFixture>
{
    public const string Name = "doctor reports";
}
