with

sessions as (

    select * from {{ ref('int_sessions') }}

),

final as (

    {{ stitched_sessions('sessions') }}

)

select * from final
