using PgTenancy.TestSupport;
using Xunit;

[assembly: AssemblyFixture(typeof(ServerFixture))]

// How an application's startup project enables PgTenancy's design-time services for dotnet ef (docs/migrations-and-roles.md).
[assembly: Microsoft.EntityFrameworkCore.Design.DesignTimeServicesReference(
    "PgTenancy.EntityFrameworkCore.Design.TenancyDesignTimeServices, PgTenancy.EntityFrameworkCore")]
