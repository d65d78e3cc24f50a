using Microsoft.EntityFrameworkCore.Migrations.Operations;

namespace PgTenancy.EntityFrameworkCore.Migrations.Operations;

/// <summary>Creates a least-privilege application (or read-only) role, without a password (see <see cref="TenantRoles"/>).</summary>
public sealed class CreateTenantRoleOperation : MigrationOperation
{
    /// <summary>The role's name.</summary>
    public required string Name { get; set; }

    /// <summary>A read-only role rather than the application role (the attributes are the same; grants differ).</summary>
    public bool ReadOnly { get; set; }
}

/// <summary>Drops a role made by <see cref="CreateTenantRoleOperation"/>.</summary>
public sealed class DropTenantRoleOperation : MigrationOperation
{
    /// <summary>The role's name.</summary>
    public required string Name { get; set; }
}

/// <summary>Grants a role DML (or SELECT only) on a schema's tables and sequences, now and for tables created later.</summary>
public sealed class GrantTenantPrivilegesOperation : MigrationOperation
{
    /// <summary>The role to grant to.</summary>
    public required string Role { get; set; }

    /// <summary>The schema (default <c>public</c>).</summary>
    public string Schema { get; set; } = "public";

    /// <summary>The role that creates future tables, for the default privileges; <see langword="null"/> for the migrating role.</summary>
    public string? Creator { get; set; }

    /// <summary>SELECT only rather than SELECT, INSERT, UPDATE, DELETE.</summary>
    public bool ReadOnly { get; set; }
}

/// <summary>The exact inverse of <see cref="GrantTenantPrivilegesOperation"/>.</summary>
public sealed class RevokeTenantPrivilegesOperation : MigrationOperation
{
    /// <summary>The role to revoke from.</summary>
    public required string Role { get; set; }

    /// <summary>The schema (default <c>public</c>).</summary>
    public string Schema { get; set; } = "public";

    /// <summary>The role named when the privileges were granted, if any.</summary>
    public string? Creator { get; set; }

    /// <summary>Whether SELECT only was granted.</summary>
    public bool ReadOnly { get; set; }
}

/// <summary>Takes CREATE on a schema away from PUBLIC. It has no inverse on purpose (see <see cref="TenantRoles.RevokeCreateFromPublic"/>).</summary>
public sealed class RevokeCreateFromPublicOperation : MigrationOperation
{
    /// <summary>The schema (default <c>public</c>).</summary>
    public string Schema { get; set; } = "public";
}
