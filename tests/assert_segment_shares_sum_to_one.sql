{#- The customer shares of dim_segments sum to 1 (when there are segments at all), and so do the
    channel shares of each segment whose customers have sessions. Returns what does not. -#}
with

segments as (

    select * from {{ ref('dim_segments') }}

),

customer_shares as (

    select
        'customer_share' as share_name,
        null as segment_id,
        sum(customer_share) as total
    from segments
    having count(*) > 0

),

channel_shares as (

    select
        'channel_shares' as share_name,
        segment_id,
        paid_session_share + organic_session_share + email_session_share + direct_session_share as total
    from segments
    where paid_session_share is not null

),

final as (

    select * from customer_shares
    where abs(total - 1) > 1e-6
    union all
    select * from channel_shares
    where abs(total - 1) > 1e-6

)

select * from final
