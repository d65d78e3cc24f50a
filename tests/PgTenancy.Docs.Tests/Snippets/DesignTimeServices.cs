// With a project reference instead of the package (whose build files add it), the startup project names PgTenancy's
// design-time services itself:
#region migrations-design-time
[assembly: Microsoft.EntityFrameworkCore.Design.DesignTimeServicesReference(
    "PgTenancy.EntityFrameworkCore.Design.TenancyDesignTimeServices, PgTenancy.EntityFrameworkCore")]
#endregion
