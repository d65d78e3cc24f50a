using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Migrations.Design;
using Microsoft.Extensions.DependencyInjection;

namespace PgTenancy.EntityFrameworkCore.Design;

/// <summary>
/// Design-time services for <c>dotnet ef</c>: generated migrations write PgTenancy's operations as C#. Referenced by
/// <c>[assembly: DesignTimeServicesReference("PgTenancy.EntityFrameworkCore.Design.TenancyDesignTimeServices, PgTenancy.EntityFrameworkCore")]</c>
/// in the startup project (see docs/migrations-and-roles.md).
/// </summary>
public sealed class TenancyDesignTimeServices : IDesignTimeServices
{
    /// <inheritdoc/>
    public void ConfigureDesignTimeServices(IServiceCollection serviceCollection) =>
        serviceCollection.AddSingleton<ICSharpMigrationOperationGenerator, TenancyCSharpMigrationOperationGenerator>();
}
