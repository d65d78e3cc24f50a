namespace PgTenancy.Testing.Isolation;

/// <summary>Looks through the exceptions EF Core and Npgsql wrap around the one that says what happened.</summary>
internal static class ExceptionChain
{
    /// <summary><paramref name="e"/> or the first of its inner exceptions that is a <typeparamref name="T"/>.</summary>
    public static T? Find<T>(Exception? e)
        where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }
}
