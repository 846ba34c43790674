{#- Every customer of dim_customers has exactly one next-best action, and only they have one.
    Returns the customers where that fails, with how many actions they have. -#}
with

customers as (

    select * from {{ ref('dim_customers') }}

),

next_best_actions as (

    select * from {{ ref('fct_next_best_actions') }}

),

actions_per_customer as (

    select
        customer_id,
        count(*) as actions
    from next_best_actions
    group by 1

),

final as (

    select
        coalesce(customers.customer_id, actions_per_customer.customer_id) as customer_id,
        coalesce(actions_per_customer.actions, 0) as actions,
        customers.customer_id is not null as is_customer
    from customers
    full outer join actions_per_customer
        on customers.customer_id = actions_per_customer.customer_id
    where
        customers.customer_id is null
        or coalesce(actions_per_customer.actions, 0) != 1

)

select * from final
