using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace PgTenancyWebApp.Data;

/// <summary>What <c>dotnet ef</c> builds the context with: the model and the role the policies are for. It never connects.</summary>
public sealed class AppDbContextFactory : IDesignTimeDbContextFactory<AppDbContext>
{
    public AppDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AppDbContext>()
            .UseNpgsql("Host=design-time-only")
            .UseTenancy(o => o.PolicyRoles(AppRoles.App))
            .Options);
}
