using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace WebApi.Domain;

/// <summary>
/// What <c>dotnet ef migrations add</c> uses: the model and the roles the policies name, without starting the app (whose
/// development mode would start an embedded server). It never connects.
/// </summary>
public sealed class DesignTimeShopContextFactory : IDesignTimeDbContextFactory<ShopContext>
{
    public ShopContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ShopContext>()
            .UseNpgsql("Host=design-time-only")
            .UseTenancy(t => t.PolicyRoles(ShopRoles.App))
            .Options);
}
