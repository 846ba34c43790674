with

sessions as (

    select * from {{ ref('int_sessions_stitched') }}

),

final as (

    {{ attributed_sessions('sessions') }}

)

select * from final
